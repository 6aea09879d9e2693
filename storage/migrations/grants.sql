-- grants: run after every `leakwatch db migrate`, so objects of every migration, and roles created
-- by the operator after the fact, get their privileges. Idempotent.
--
-- leakwatch_app: the crawler, ingest and the API — read and write the tables, nothing else.
-- leakwatch_research: SELECT on the research schema's aggregate views only; no table, no hash.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'leakwatch_app') THEN
        EXECUTE 'GRANT USAGE ON SCHEMA public TO leakwatch_app';
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO leakwatch_app';
        EXECUTE 'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO leakwatch_app';
        EXECUTE 'REVOKE INSERT, UPDATE, DELETE ON schema_version, id_kinds, record_flags FROM leakwatch_app';
        EXECUTE 'GRANT USAGE ON SCHEMA research TO leakwatch_app';
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA research TO leakwatch_app';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'leakwatch_research') THEN
        EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM leakwatch_research';
        EXECUTE 'GRANT USAGE ON SCHEMA research TO leakwatch_research';
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA research TO leakwatch_research';
    END IF;
END
$$;
