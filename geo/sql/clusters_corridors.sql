-- Corridors of the catalogue with their world region, by slug: every corridor gets a summary in
-- a clusters answer, even one without matching events.
SELECT c.slug, c.region
FROM corridors AS c
ORDER BY c.slug
