-- When the incidents last changed (migration 0019's change log), for a map's "last updated".
SELECT max(changed_at) FROM data_changes WHERE table_name = 'incidents'
