-- Enrichment by cells, stage 2: per cell, the land border and coastline pieces within its
-- search distance of the cell's square (enrich_cells.sql), clipped to that square widened by the
-- same distance. Clipping keeps every part of a piece that can be nearest to a point of the cell
-- (the nearest point of each of its 4 nearest pieces lies within the distance), so distances and
-- closest points to those pieces are unchanged; other pieces only get farther. The clipped
-- pieces are small, so the per-point distances stop decompressing whole 256-vertex pieces.
-- label: the border's pair, the coast's country. The square is widened by 1e-9 degrees, as in
-- enrich_cells.sql.
SELECT c.cx, c.cy, 'b'::"char" AS kind, p.border_id AS ref_id, lb.pair AS label,
       ST_ClipByBox2D(p.geom, ST_Expand(sq.env, c.border_rad)::box2d) AS geom
FROM {cells} c
CROSS JOIN LATERAL (
    SELECT ST_Expand(ST_MakeEnvelope(c.cx * {s}, c.cy * {s}, (c.cx + 1) * {s}, (c.cy + 1) * {s},
                                     4326), 1e-9) AS env
) sq
JOIN land_border_parts p ON ST_DWithin(p.geom, sq.env, c.border_rad)
JOIN land_borders lb ON lb.id = p.border_id
UNION ALL
SELECT c.cx, c.cy, 'c'::"char", p.coastline_id, cl.iso3,
       ST_ClipByBox2D(p.geom, ST_Expand(sq.env, c.coast_rad)::box2d)
FROM {cells} c
CROSS JOIN LATERAL (
    SELECT ST_Expand(ST_MakeEnvelope(c.cx * {s}, c.cy * {s}, (c.cx + 1) * {s}, (c.cy + 1) * {s},
                                     4326), 1e-9) AS env
) sq
JOIN coastline_parts p ON ST_DWithin(p.geom, sq.env, c.coast_rad)
JOIN coastline cl ON cl.id = p.coastline_id
