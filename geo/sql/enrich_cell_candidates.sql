-- Enrichment by cells, stage 2: per cell, the land border and coastline pieces within its
-- search radius (enrich_cells.sql), clipped to the square of that radius around the centre.
-- Clipping keeps every part of a piece that can be nearest to a point of the cell (the nearest
-- point of each of its 4 nearest pieces lies within the radius), so distances and closest
-- points to those pieces are unchanged; other pieces only get farther. The clipped pieces are
-- small, so the per-point distances stop decompressing whole 256-vertex pieces. label: the
-- border's pair, the coast's country.
SELECT c.cx, c.cy, 'b'::"char" AS kind, p.border_id AS ref_id, lb.pair AS label,
       ST_ClipByBox2D(p.geom, ST_Expand(ctr.c, c.border_rad)::box2d) AS geom
FROM {cells} c
CROSS JOIN LATERAL (
    SELECT ST_SetSRID(ST_MakePoint((c.cx + 0.5) * {s}, (c.cy + 0.5) * {s}), 4326) AS c
) ctr
JOIN land_border_parts p ON ST_DWithin(p.geom, ctr.c, c.border_rad)
JOIN land_borders lb ON lb.id = p.border_id
UNION ALL
SELECT c.cx, c.cy, 'c'::"char", p.coastline_id, cl.iso3,
       ST_ClipByBox2D(p.geom, ST_Expand(ctr.c, c.coast_rad)::box2d)
FROM {cells} c
CROSS JOIN LATERAL (
    SELECT ST_SetSRID(ST_MakePoint((c.cx + 0.5) * {s}, (c.cy + 0.5) * {s}), 4326) AS c
) ctr
JOIN coastline_parts p ON ST_DWithin(p.geom, ctr.c, c.coast_rad)
JOIN coastline cl ON cl.id = p.coastline_id
