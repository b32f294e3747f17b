"""Postal-code centroids (offline, from the `zipcodes` package) and distances."""

from __future__ import annotations

import math
from functools import lru_cache


@lru_cache(maxsize=1)
def _us_centroids() -> dict[str, tuple[float, float]]:
    import zipcodes  # loads its bundled data set once (about a second)

    table: dict[str, tuple[float, float]] = {}
    for row in zipcodes.list_all():
        try:
            table[row["zip_code"]] = (float(row["lat"]), float(row["long"]))
        except (KeyError, TypeError, ValueError):
            continue
    return table


def centroid(postal_code: str, country: str = "US") -> tuple[float, float] | None:
    """Latitude and longitude of a postal code's centre, or None if unknown."""
    if country.upper() != "US":
        return None
    code = postal_code.strip()[:5]
    return _us_centroids().get(code)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def bounding_box(center: tuple[float, float], radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle, for an indexable pre-filter."""
    lat, lon = center
    dlat = radius_km / 111.0
    dlon = radius_km / max(1e-6, 111.0 * math.cos(math.radians(lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
