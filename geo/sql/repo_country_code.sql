-- The Natural Earth code (countries.iso3, the code incidents carry) for a code a client sent:
-- Natural Earth's ADM0_A3 itself, or an ISO 3166-1 alpha-3 code (countries.iso_a3: ESH for
-- Natural Earth's SAH, PSE for PSX). No ISO code is another unit's Natural Earth code, and each
-- ISO code names one row (boundaries/countries.py), so at most one row answers.
SELECT c.iso3
FROM countries AS c
WHERE c.iso3 = :code OR c.iso_a3 = :code
ORDER BY c.iso3 = :code DESC
LIMIT 1
