"""Offline geocoding of incident location text.

>>> from geo.geocode import geocode
>>> geocode("Unspecified location, Libya").precision
'country'
"""

from geo.geocode.model import Candidate, GeocodeResult, Place
from geo.geocode.resolve import geocode

__all__ = ["Candidate", "GeocodeResult", "Place", "geocode"]
