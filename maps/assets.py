"""Third-party front-end assets (Leaflet, its plugins, Swagger UI), served by the app itself.

Pages never load a script or stylesheet from a CDN: monitors may work offline, CI has no
network, and a third-party host would learn who reads which corridor. ``fetch_assets`` takes the
pinned packages of ``assets.toml`` from the npm registry once (at ``make setup``), checks each
tarball against its SHA-512 integrity and extracts only the files pages use.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
MANIFEST = Path(__file__).resolve().parent / "assets.toml"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
_STAMP = ".manifest-sha256"


class AssetError(RuntimeError):
    """An asset could not be fetched or failed its integrity check."""


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # "sha512-<base64>", as npm's dist.integrity
    dir: str  # under vendor/
    files: tuple[str, ...]  # paths inside the package; a leading "dist/" is dropped

    def tarball_url(self, registry: str) -> str:
        return f"{registry.rstrip('/')}/{self.name}/-/{self.name}-{self.version}.tgz"

    def target(self, path: str) -> str:
        return f"{self.dir}/{path.removeprefix('dist/')}"


def packages() -> list[Package]:
    data = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    return [
        Package(p["name"], p["version"], p["integrity"], p["dir"], tuple(p["files"]))
        for p in data["package"]
    ]


def registry() -> str:
    """The npm registry: ``CROSSINGS_NPM_REGISTRY``, npm's own setting, or the public one."""
    return (
        os.environ.get("CROSSINGS_NPM_REGISTRY")
        or os.environ.get("npm_config_registry")
        or DEFAULT_REGISTRY
    )


def _manifest_digest() -> str:
    return hashlib.sha256(MANIFEST.read_bytes()).hexdigest()


def missing_assets(vendor: Path = VENDOR_DIR) -> list[str]:
    """The vendored files that are not on disk (``vendor``-relative); empty when complete."""
    return [
        p.target(f) for p in packages() for f in p.files if not (vendor / p.target(f)).is_file()
    ]


def assets_current(vendor: Path = VENDOR_DIR) -> bool:
    """Every file is there and was extracted from the manifest as it is now."""
    stamp = vendor / _STAMP
    return (
        not missing_assets(vendor)
        and stamp.is_file()
        and stamp.read_text().strip() == _manifest_digest()
    )


def _verified(data: bytes, package: Package) -> bytes:
    algorithm, _, expected = package.integrity.partition("-")
    if algorithm != "sha512":
        raise AssetError(f"{package.name}: integrity must be sha512-..., got {algorithm!r}")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != expected:
        raise AssetError(
            f"{package.name}@{package.version}: the tarball does not match its integrity "
            f"(expected sha512-{expected}, got sha512-{got}); refusing to install it"
        )
    return data


def _download(url: str, timeout_s: float) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise AssetError(f"the npm registry must be an http(s) URL; got {url!r}")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            return bytes(response.read())
    except OSError as exc:
        raise AssetError(f"could not download {url}: {exc}") from exc


def _extract(data: bytes, package: Package, into: Path) -> None:
    wanted = {f"package/{f}": package.target(f) for f in package.files}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            target = wanted.pop(member.name, None)
            if target is None or not member.isfile():
                continue
            source = tar.extractfile(member)
            assert source is not None
            path = into / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read())
    if wanted:
        absent = ", ".join(sorted(name.removeprefix("package/") for name in wanted))
        raise AssetError(f"{package.name}@{package.version} has no {absent}")


def fetch_assets(
    vendor: Path = VENDOR_DIR, *, force: bool = False, timeout_s: float = 60
) -> list[str]:
    """Install the manifest's packages into ``vendor`` (all or nothing); returns the package
    names fetched, none when everything is already current (and ``force`` is off)."""
    if assets_current(vendor) and not force:
        return []
    fetched: list[str] = []
    vendor.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=vendor.parent, prefix=".vendor-") as tmp:
        staged = Path(tmp) / "vendor"
        staged.mkdir()
        source = registry()
        for package in packages():
            data = _verified(_download(package.tarball_url(source), timeout_s), package)
            _extract(data, package, staged)
            fetched.append(f"{package.name}@{package.version}")
        (staged / _STAMP).write_text(_manifest_digest() + "\n")
        if vendor.exists():
            shutil.rmtree(vendor)
        staged.rename(vendor)
    return fetched
