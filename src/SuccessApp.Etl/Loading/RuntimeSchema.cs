namespace SuccessApp.Etl.Loading;

/// <summary>The worker's own tables: resume state per entity and source, and the rejects of every run.</summary>
public static class RuntimeSchema
{
    public const string StateTable = "successapp_state";
    public const string RejectsTable = "successapp_rejects";
    public const string RunsTable = "successapp_runs";

    /// <summary>Key of the advisory lock held while migrating, so two workers never race on DDL.</summary>
    public const long MigrationLockKey = 0x5375_6363_6573_7341; // "SuccessA"

    public const string Create = """
        CREATE TABLE IF NOT EXISTS "successapp_state" (
            "entity" text NOT NULL,
            "source" text NOT NULL,
            "checkpoint" text,
            "completed" boolean NOT NULL DEFAULT false,
            "max_cursor" text,
            "run_id" uuid,
            "updated_at" timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY ("entity", "source")
        );
        CREATE TABLE IF NOT EXISTS "successapp_rejects" (
            "id" bigserial PRIMARY KEY,
            "run_id" uuid NOT NULL,
            "entity" text NOT NULL,
            "table_name" text NOT NULL,
            "record_key" text,
            "json_path" text,
            "raw_value" text,
            "raw_bytes" bytea,
            "expected_type" text,
            "reason" text NOT NULL,
            "whole_record" boolean NOT NULL,
            "source" text,
            "created_at" timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS "successapp_rejects_entity_key" ON "successapp_rejects" ("entity", "record_key");
        CREATE INDEX IF NOT EXISTS "successapp_rejects_whole" ON "successapp_rejects" ("entity", md5("raw_value")) WHERE "whole_record";
        ALTER TABLE "successapp_rejects" ADD COLUMN IF NOT EXISTS "replayed_at" timestamptz;
        ALTER TABLE "successapp_rejects" ADD COLUMN IF NOT EXISTS "replay_run_id" uuid;
        CREATE INDEX IF NOT EXISTS "successapp_rejects_pending" ON "successapp_rejects" ("entity", "id") WHERE "whole_record" AND "replayed_at" IS NULL;
        CREATE TABLE IF NOT EXISTS "successapp_runs" (
            "run_id" uuid PRIMARY KEY,
            "started_at" timestamptz NOT NULL DEFAULT now(),
            "finished_at" timestamptz,
            "status" text NOT NULL,
            "summary" jsonb
        )
        """;

    /// <summary>Rejects of a chunk are staged first: only those of records the merge accepted are kept (see <see cref="KeepRejects"/>).</summary>
    public const string CreateRejectStaging = """
        CREATE TEMP TABLE IF NOT EXISTS "_stage_rejects" (LIKE "successapp_rejects" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS
        """;

    public const string CopyRejects = """
        COPY "_stage_rejects" ("run_id", "entity", "table_name", "record_key", "json_path", "raw_value", "raw_bytes", "expected_type", "reason", "whole_record", "source") FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>
    /// Keeps a chunk's rejects that describe something new: value rejects of records whose rows changed (an unchanged
    /// record re-sent is a no-op, its rejects were kept the first time) and whole-record rejects not seen before.
    /// {0} is the accepted-keys table, {1} its key as text (<c>a|b</c> for composite keys).
    /// </summary>
    public const string KeepRejects = """
        INSERT INTO "successapp_rejects" ("run_id", "entity", "table_name", "record_key", "json_path", "raw_value", "raw_bytes", "expected_type", "reason", "whole_record", "source")
        SELECT s."run_id", s."entity", s."table_name", s."record_key", s."json_path", s."raw_value", s."raw_bytes", s."expected_type", s."reason", s."whole_record", s."source"
        FROM "_stage_rejects" s
        WHERE (NOT s."whole_record" AND s."record_key" IN (SELECT {1} FROM {0} a))
           OR (s."whole_record" AND NOT EXISTS (
                SELECT 1 FROM "successapp_rejects" r
                WHERE r."whole_record" AND r."replayed_at" IS NULL AND r."entity" = s."entity" AND md5(r."raw_value") = md5(s."raw_value")
                  AND r."raw_bytes" IS NOT DISTINCT FROM s."raw_bytes"))
        """;

    public const string ReadState = """
        SELECT "checkpoint", "completed", "max_cursor" FROM "successapp_state" WHERE "entity" = $1 AND "source" = $2
        """;

    public const string SaveState = """
        INSERT INTO "successapp_state" ("entity", "source", "checkpoint", "completed", "max_cursor", "run_id", "updated_at")
        VALUES ($1, $2, $3, $4, $5, $6, now())
        ON CONFLICT ("entity", "source") DO UPDATE SET
            "checkpoint" = EXCLUDED."checkpoint",
            "completed" = EXCLUDED."completed",
            "max_cursor" = COALESCE(GREATEST(EXCLUDED."max_cursor", "successapp_state"."max_cursor"), EXCLUDED."max_cursor", "successapp_state"."max_cursor"),
            "run_id" = EXCLUDED."run_id",
            "updated_at" = now()
        """;
}
