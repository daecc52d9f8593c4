-- Every corridor's slug and name, without totals (exports and page lists).
SELECT c.slug, c.name FROM corridors AS c ORDER BY c.slug
