-- One cached online-geocoder answer by provider and normalised query key (NULL row: not asked).
SELECT query, country_hint, status, answer, created_at
FROM geocode_cache
WHERE provider = :provider AND query_key = :query_key
