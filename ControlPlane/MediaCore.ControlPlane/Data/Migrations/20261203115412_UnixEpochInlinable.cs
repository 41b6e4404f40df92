using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class UnixEpochInlinable : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // PostgreSQL inlines a SQL function into the query only when its body is no more volatile than the function:
            // extract(epoch FROM timestamptz) is STABLE, so the IMMUTABLE unixepoch of MeetingAttendeeCount ran as a
            // separate query for every row (a county month's cadre duty: most of 0.8 s). The same seconds from an interval
            // (timestamptz - timestamptz and extract from an interval are IMMUTABLE): inlined, one expression per row.
            // SQLite's unixepoch is built in; nothing changes there.
            if (migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
                migrationBuilder.Sql("CREATE OR REPLACE FUNCTION unixepoch(t timestamp with time zone) RETURNS bigint " +
                    "LANGUAGE sql IMMUTABLE PARALLEL SAFE " +
                    "AS 'SELECT floor(extract(epoch FROM t - timestamp with time zone ''1970-01-01 00:00:00+00''))::bigint';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            if (migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
                migrationBuilder.Sql("CREATE OR REPLACE FUNCTION unixepoch(t timestamp with time zone) RETURNS bigint " +
                    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT floor(extract(epoch FROM t))::bigint';");
        }
    }
}
