-- grants: run after every `leakwatch db migrate`, so objects of every migration, and roles created
-- by the operator after the fact, get their privileges. Idempotent.
--
-- leakwatch_app: the crawler, ingest and the API — read and write the tables, compute the
-- statistics (lw_stats for `leakwatch stats`, research.stats for GET /v1/stats), nothing else.
-- leakwatch_research: SELECT on the research schema's aggregate views and EXECUTE on
-- research.stats only; no table, no hash, not lw_stats (any k) nor lw_stats_raw (unsuppressed).
--
-- Functions are executable by PUBLIC when created, so every statistics function is taken from
-- PUBLIC here, whether or not the roles exist.
REVOKE EXECUTE ON FUNCTION lw_stats_suppress(bigint[], bigint, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lw_stats_raw(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lw_stats(text, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION research.stats(text, integer) FROM PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'leakwatch_app') THEN
        EXECUTE 'GRANT USAGE ON SCHEMA public TO leakwatch_app';
        EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO leakwatch_app';
        EXECUTE 'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO leakwatch_app';
        EXECUTE 'REVOKE INSERT, UPDATE, DELETE ON schema_version, id_kinds, record_flags FROM leakwatch_app';
        EXECUTE 'GRANT USAGE ON SCHEMA research TO leakwatch_app';
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA research TO leakwatch_app';
        EXECUTE 'GRANT EXECUTE ON FUNCTION lw_stats_suppress(bigint[], bigint, integer), '
                'lw_stats_raw(text), lw_stats(text, integer), research.stats(text, integer) '
                'TO leakwatch_app';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'leakwatch_research') THEN
        EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM leakwatch_research';
        EXECUTE 'REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM leakwatch_research';
        EXECUTE 'GRANT USAGE ON SCHEMA research TO leakwatch_research';
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA research TO leakwatch_research';
        EXECUTE 'GRANT EXECUTE ON FUNCTION research.stats(text, integer) TO leakwatch_research';
    END IF;
END
$$;
