-- The fixed sets the concentration measures run over (zeros count): the UN M49 regions people
-- live in, and every corridor of the catalogue.
SELECT 'region' AS kind, region_un AS name, NULL AS label
FROM countries
WHERE region_un IS NOT NULL AND region_un <> 'Antarctica'
GROUP BY region_un
UNION ALL
SELECT 'corridor', slug, name FROM corridors
ORDER BY 1, 2
