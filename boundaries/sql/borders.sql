-- Land borders: the shared boundary of each pair of touching countries.
-- Natural Earth's neighbours share vertices, so the intersection of the two outlines *is* the
-- border line; pairs that only touch at a point (NAM-ZWE, BWA-ZMB) give no line and are left out.
INSERT INTO land_borders (iso3_a, iso3_b, length_km, geom)
SELECT iso3_a, iso3_b, ST_Length(geom::geography) / 1000.0, geom
FROM (
    SELECT a.iso3 AS iso3_a, b.iso3 AS iso3_b,
           ST_Multi(ST_LineMerge(ST_CollectionExtract(
               ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2))) AS geom
    FROM countries a
    JOIN countries b ON a.iso3 < b.iso3 AND ST_Intersects(a.geom, b.geom)
) pairs
WHERE NOT ST_IsEmpty(geom)
;
-- Pieces for nearest-neighbour search. The GiST KNN operator ranks pieces by their distance in
-- degrees, which strays from kilometres away from the equator; pieces of up to 256 vertices
-- make the few nearest ones cover enough of the border for the re-ranking in km to find the true
-- nearest (measured: smaller pieces miss it more often and are no faster).
INSERT INTO land_border_parts (border_id, geom)
SELECT b.id, (ST_Dump(part)).geom
FROM land_borders b, LATERAL ST_Subdivide(b.geom, 256) AS part
;
-- Coastline: whatever of a country's outline is not a land border. Countries' land borders are
-- cut out of the outline by a hair-thin buffer so floating-point crumbs are not left behind.
-- Natural Earth cuts Russia, Fiji and Antarctica at ±180 (and Antarctica at -90): those cut
-- edges run through land and are not coast, so outline on the world's frame is dropped too.
INSERT INTO coastline (iso3, geom)
SELECT iso3, geom
FROM (
    SELECT c.iso3,
           ST_Multi(ST_CollectionExtract(ST_Difference(
               CASE WHEN ST_XMin(c.geom) <= -180 OR ST_XMax(c.geom) >= 180
                         OR ST_YMin(c.geom) <= -90
                    THEN ST_Difference(ST_Boundary(c.geom), ST_Buffer(ST_Boundary(
                             ST_MakeEnvelope(-180, -90, 180, 90, 4326)), 1e-7))
                    ELSE ST_Boundary(c.geom)
               END,
               coalesce(
                   (SELECT ST_Union(b.geom) FROM land_borders b
                    WHERE c.iso3 IN (b.iso3_a, b.iso3_b)),
                   'MULTILINESTRING EMPTY'::geometry(MultiLineString, 4326))
           ), 2)) AS geom
    FROM countries c
) coast
WHERE NOT ST_IsEmpty(geom)
;
INSERT INTO coastline_parts (coastline_id, geom)
SELECT c.id, (ST_Dump(part)).geom
FROM coastline c, LATERAL ST_Subdivide(c.geom, 256) AS part
