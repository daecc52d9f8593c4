INSERT INTO import_runs (importer, source, file_name, checksum, status)
VALUES (:importer, :source, :file_name, :checksum, 'running')
RETURNING id
