-- Countries from the COPY staging table: repaired, always MultiPolygon.
INSERT INTO countries (iso3, iso_a3, name, continent, region_un, subregion, region_wb, geom)
SELECT iso3, iso_a3, name, continent, region_un, subregion, region_wb,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(decode(wkb, 'hex'), 4326)), 3))
FROM _ne_countries
;
-- Small pieces (at most 128 vertices) make point-in-polygon cheap: the GiST index then
-- narrows to one or two pieces instead of a 100k-vertex Russia.
INSERT INTO country_parts (iso3, geom)
SELECT c.iso3, (ST_Dump(ST_Subdivide(c.geom, 128))).geom
FROM countries c
