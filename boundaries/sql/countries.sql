-- Countries from the COPY staging table: repaired, always MultiPolygon, valid on the 6-decimal
-- grid they are served on, RFC 7946 orientation (polygons.sql).
INSERT INTO countries (iso3, iso_a3, name, continent, region_un, subregion, region_wb, geom)
SELECT iso3, iso_a3, name, continent, region_un, subregion, region_wb,
       pg_temp.served_polygon(ST_GeomFromWKB(decode(wkb, 'hex'), 4326))
FROM _ne_countries
;
-- Small pieces (at most 128 vertices) make point-in-polygon cheap: the GiST index then
-- narrows to one or two pieces instead of a 100k-vertex Russia.
INSERT INTO country_parts (iso3, geom)
SELECT c.iso3, (ST_Dump(ST_Subdivide(c.geom, 128))).geom
FROM countries c
