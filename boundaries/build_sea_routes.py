"""Build ``boundaries/data/sea_routes.geojson`` offline from the ``searoute`` maritime network.

Run by a developer when ports or routes change (``python -m boundaries.build_sea_routes``); the
output is committed, so loading the reference layers never needs ``searoute`` (a dev extra).
Ports are (lon, lat) of the departure beach or arrival harbour as commonly reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "data" / "sea_routes.geojson"

PORTS: dict[str, tuple[float, float]] = {
    # Central Mediterranean
    "Zuwara": (12.08, 32.93),
    "Sabratha": (12.49, 32.80),
    "Tripoli": (13.19, 32.90),
    "Garabulli": (13.72, 32.77),
    "Benghazi": (20.06, 32.12),
    "Tobruk": (23.97, 32.08),
    "Sfax": (10.77, 34.73),
    "Zarzis": (11.12, 33.50),
    "Mahdia": (11.07, 35.50),
    "Annaba": (7.77, 36.90),
    "Alexandria": (29.90, 31.20),
    "Lampedusa": (12.61, 35.50),
    "Pozzallo": (14.85, 36.72),
    "Augusta": (15.22, 37.23),
    "Valletta": (14.51, 35.90),
    "Crotone": (17.13, 39.08),
    "Sant'Antioco": (8.45, 39.06),
    # Western Mediterranean
    "Tangier": (-5.80, 35.79),
    "Nador": (-2.93, 35.17),
    "Al Hoceima": (-3.93, 35.25),
    "Oran": (-0.64, 35.71),
    "Mostaganem": (0.09, 35.93),
    "Tarifa": (-5.60, 36.01),
    "Algeciras": (-5.44, 36.13),
    "Almeria": (-2.46, 36.83),
    "Motril": (-3.52, 36.72),
    "Cartagena": (-0.98, 37.60),
    "Alicante": (-0.48, 38.34),
    # Eastern Mediterranean
    "Ayvalik": (26.69, 39.31),
    "Cesme": (26.30, 38.32),
    "Kusadasi": (27.26, 37.86),
    "Bodrum": (27.43, 37.03),
    "Marmaris": (28.27, 36.85),
    "Lesbos": (26.56, 39.10),
    "Chios": (26.14, 38.37),
    "Samos": (26.98, 37.75),
    "Kos": (27.29, 36.89),
    "Rhodes": (28.23, 36.44),
    "Tripoli (Lebanon)": (35.84, 34.44),
    "Larnaca": (33.63, 34.92),
    "Mersin": (34.63, 36.80),
    "Kyrenia": (33.32, 35.34),
    # Atlantic route to the Canary Islands
    "Tarfaya": (-12.93, 27.94),
    "Laayoune": (-13.40, 27.10),
    "Dakhla": (-15.93, 23.70),
    "Nouadhibou": (-17.04, 20.93),
    "Saint-Louis": (-16.50, 16.03),
    "Dakar": (-17.44, 14.69),
    "Banjul": (-16.58, 13.45),
    "Arrecife": (-13.55, 28.96),
    "Puerto del Rosario": (-13.86, 28.50),
    "Arguineguin": (-15.68, 27.77),
    "Los Cristianos": (-16.72, 28.05),
    "La Restinga": (-17.98, 27.64),
    # English Channel
    "Calais": (1.85, 50.96),
    "Dunkirk": (2.37, 51.04),
    "Boulogne": (1.60, 50.73),
    "Dover": (1.32, 51.12),
    "Dungeness": (0.97, 50.91),
    # Horn of Africa to Yemen
    "Bosaso": (49.18, 11.28),
    "Obock": (43.29, 11.96),
    "Djibouti": (43.15, 11.60),
    "Mukalla": (49.12, 14.54),
    "Shabwah coast": (47.50, 13.95),
    "Ras al-Ara": (43.60, 12.65),
    "Mocha": (43.25, 13.32),
    # Bay of Bengal and Andaman Sea
    "Cox's Bazar": (91.98, 21.43),
    "Teknaf": (92.30, 20.86),
    "Sittwe": (92.90, 20.15),
    "Langkawi": (99.80, 6.35),
    "Sabang": (95.32, 5.89),
    "Lhokseumawe": (97.14, 5.18),
    "Ranong": (98.60, 9.96),
    # Malaysia and Indonesia
    "Port Klang": (101.39, 3.00),
    "Dumai": (101.45, 1.68),
    "Tanjung Balai": (99.80, 2.97),
    "Pengerang": (104.10, 1.37),
    "Batam": (104.00, 1.10),
    "Tawau": (117.89, 4.24),
    "Nunukan": (117.66, 4.14),
    # Caribbean
    "Port-de-Paix": (-72.83, 19.94),
    "Cap-Haitien": (-72.20, 19.76),
    "Havana": (-82.36, 23.14),
    "Matanzas": (-81.58, 23.05),
    "Miches": (-69.04, 18.98),
    "Miami": (-80.19, 25.77),
    "Key West": (-81.78, 24.55),
    "Aguadilla": (-67.15, 18.43),
    "Mayaguez": (-67.15, 18.20),
    "Providenciales": (-72.27, 21.77),
    "La Vela de Coro": (-69.54, 11.46),
    "Curacao": (-68.93, 12.11),
    "Aruba": (-70.03, 12.52),
    "Guiria": (-62.30, 10.57),
    "Trinidad": (-61.50, 10.60),
    "San Andres": (-81.70, 12.58),
    "Bluefields": (-83.76, 12.01),
    "Cancun": (-86.85, 21.16),
    # Darien (Gulf of Uraba)
    "Necocli": (-76.78, 8.42),
    "Turbo": (-76.73, 8.09),
    "Capurgana": (-77.35, 8.63),
    "Acandi": (-77.28, 8.51),
    # Comoros to Mayotte
    "Anjouan": (44.40, -12.17),
    "Mamoudzou": (45.23, -12.78),
}

# (corridor slug, from port, to port)
ROUTES: list[tuple[str, str, str]] = [
    *[
        ("central-mediterranean", a, b)
        for a in ("Zuwara", "Sabratha", "Tripoli", "Garabulli", "Sfax", "Zarzis", "Mahdia")
        for b in ("Lampedusa", "Pozzallo", "Valletta")
    ],
    ("central-mediterranean", "Benghazi", "Augusta"),
    ("central-mediterranean", "Tobruk", "Crotone"),
    ("central-mediterranean", "Alexandria", "Augusta"),
    ("central-mediterranean", "Annaba", "Sant'Antioco"),
    ("central-mediterranean", "Tripoli", "Augusta"),
    ("western-mediterranean", "Tangier", "Tarifa"),
    ("western-mediterranean", "Tangier", "Algeciras"),
    ("western-mediterranean", "Al Hoceima", "Motril"),
    ("western-mediterranean", "Nador", "Motril"),
    ("western-mediterranean", "Nador", "Almeria"),
    ("western-mediterranean", "Oran", "Almeria"),
    ("western-mediterranean", "Oran", "Cartagena"),
    ("western-mediterranean", "Mostaganem", "Alicante"),
    ("eastern-mediterranean", "Ayvalik", "Lesbos"),
    ("eastern-mediterranean", "Cesme", "Chios"),
    ("eastern-mediterranean", "Kusadasi", "Samos"),
    ("eastern-mediterranean", "Bodrum", "Kos"),
    ("eastern-mediterranean", "Marmaris", "Rhodes"),
    ("eastern-mediterranean", "Tripoli (Lebanon)", "Larnaca"),
    ("eastern-mediterranean", "Mersin", "Kyrenia"),
    *[
        ("atlantic-canaries", a, b)
        for a in ("Tarfaya", "Laayoune")
        for b in ("Arrecife", "Puerto del Rosario", "Arguineguin")
    ],
    *[
        ("atlantic-canaries", a, b)
        for a in ("Dakhla", "Nouadhibou", "Saint-Louis", "Dakar", "Banjul")
        for b in ("Arguineguin", "Los Cristianos", "La Restinga")
    ],
    ("english-channel", "Calais", "Dover"),
    ("english-channel", "Dunkirk", "Dover"),
    ("english-channel", "Boulogne", "Dungeness"),
    ("horn-of-africa-yemen", "Bosaso", "Mukalla"),
    ("horn-of-africa-yemen", "Bosaso", "Shabwah coast"),
    ("horn-of-africa-yemen", "Obock", "Ras al-Ara"),
    ("horn-of-africa-yemen", "Djibouti", "Mocha"),
    *[
        ("bay-of-bengal-andaman", a, b)
        for a in ("Cox's Bazar", "Teknaf", "Sittwe")
        for b in ("Langkawi", "Sabang", "Lhokseumawe", "Ranong")
    ],
    ("malaysia-indonesia", "Port Klang", "Dumai"),
    ("malaysia-indonesia", "Port Klang", "Tanjung Balai"),
    ("malaysia-indonesia", "Pengerang", "Batam"),
    ("malaysia-indonesia", "Tawau", "Nunukan"),
    ("caribbean", "Port-de-Paix", "Miami"),
    ("caribbean", "Cap-Haitien", "Providenciales"),
    ("caribbean", "Havana", "Key West"),
    ("caribbean", "Matanzas", "Miami"),
    ("caribbean", "Miches", "Aguadilla"),
    ("caribbean", "Miches", "Mayaguez"),
    ("caribbean", "La Vela de Coro", "Curacao"),
    ("caribbean", "La Vela de Coro", "Aruba"),
    ("caribbean", "Guiria", "Trinidad"),
    ("caribbean", "San Andres", "Bluefields"),
    ("caribbean", "Havana", "Cancun"),
    ("darien", "Necocli", "Capurgana"),
    ("darien", "Turbo", "Acandi"),
    ("comoros-mayotte", "Anjouan", "Mamoudzou"),
]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def build() -> dict[str, Any]:
    import searoute  # dev extra: only this script needs it

    features = []
    for corridor, origin, dest in ROUTES:
        start, end = PORTS[origin], PORTS[dest]
        line = searoute.searoute(start, end)
        # The network snaps ports to its nearest nodes: the ports themselves are added back.
        path = [start, *line["geometry"]["coordinates"], end]
        coords = [[round(x, 5), round(y, 5)] for x, y in path]
        deduped = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "slug": f"{slugify(origin)}-to-{slugify(dest)}",
                    "name": f"{origin} to {dest}",
                    "from_port": origin,
                    "to_port": dest,
                    "corridor_slug": corridor,
                },
                "geometry": {"type": "LineString", "coordinates": deduped},
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "sea_routes",
        "generator": "boundaries/build_sea_routes.py (searoute maritime network)",
        "features": features,
    }


def main() -> None:
    collection = build()
    OUTPUT.write_text(json.dumps(collection, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(collection['features'])} sea routes to {OUTPUT}")


if __name__ == "__main__":
    main()
