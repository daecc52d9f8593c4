-- The source filter of geo.repo.incidents.filter_sql (alias i, bound array of dataset ids)
-- an event matches when its own record or any public record linked to it (docs/dedupe.md)
-- comes from one of the sources. Records without an event id have no linked records.
(i.source = ANY(CAST(:sources AS text[]))
 OR (i.event_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM incidents AS source_record
        WHERE source_record.event_id = i.event_id
          AND source_record.source = ANY(CAST(:sources AS text[]))
          AND source_record.sensitivity = 'public'
          AND source_record.review_state <> 'rejected')))
