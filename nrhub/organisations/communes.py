"""Where an organisation is, from its postcode and commune name, and how far apart two are.

The reference is ``nrhub/data/communes.csv.gz`` (INSEE code, postcodes, name, latitude,
longitude; built by scripts/build_communes.py, sources and licences in
nrhub/data/SOURCES.md). An organisation is placed at its commune when the postcode and the
name match, else at the first located commune of its postcode (neighbours share one), else
at the centre of its department (the mean of its located communes).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "communes.csv.gz"
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Reference:
    by_postcode: dict[str, list[tuple[str, Point]]]
    department_centres: dict[str, Point]


def normalise(name: str) -> str:
    """A commune name without accents, case, hyphens nor "Saint"/"Sainte" spelling."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"\bsainte?\b", lambda m: "ste" if m.group(0) == "sainte" else "st", plain)
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _department(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


@cache
def _reference() -> _Reference:
    by_postcode: dict[str, list[tuple[str, Point]]] = defaultdict(list)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    with gzip.open(DATA, "rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"), delimiter=";"):
            point = Point(float(row["latitude"]), float(row["longitude"]))
            for postcode in row["codes_postaux"].split():
                by_postcode[postcode].append((normalise(row["nom"]), point))
            total = sums[_department(row["insee"])]
            total[0] += point.latitude
            total[1] += point.longitude
            total[2] += 1
    centres = {code: Point(lat / n, lon / n) for code, (lat, lon, n) in sums.items()}
    return _Reference(dict(by_postcode), centres)


def locate(postcode: str | None, city: str | None, department: str | None) -> Point | None:
    """The organisation's place (see the module's note); None if nothing is known."""
    reference = _reference()
    communes = reference.by_postcode.get((postcode or "").strip(), [])
    name = normalise(city or "")
    for commune_name, point in communes:
        if commune_name == name:
            return point
    if communes:
        return communes[0][1]
    return reference.department_centres.get((department or "").strip().upper())


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine) in kilometres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
