using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class MeetingAttendeeCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // unixepoch(t): SQLite's built-in (whole seconds since 1970), made for PostgreSQL so that one LINQ function
            // (SqlFunctions.UnixEpoch) translates the same on both. The attendee counts of an existing database are
            // filled in at start-up (DatabaseSetup) with the one definition.
            if (migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
                migrationBuilder.Sql("CREATE OR REPLACE FUNCTION unixepoch(t timestamp with time zone) RETURNS bigint " +
                    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT floor(extract(epoch FROM t))::bigint';");

            migrationBuilder.AddColumn<int>(
                name: "AttendeeCount",
                table: "Meetings",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_MeetingParticipations_ParticipantId_LeftAtUtc",
                table: "MeetingParticipations",
                columns: new[] { "ParticipantId", "LeftAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_CheckIns_OccurredAtUtc",
                table: "CheckIns",
                column: "OccurredAtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_MeetingParticipations_ParticipantId_LeftAtUtc",
                table: "MeetingParticipations");

            migrationBuilder.DropIndex(
                name: "IX_CheckIns_OccurredAtUtc",
                table: "CheckIns");

            migrationBuilder.DropColumn(
                name: "AttendeeCount",
                table: "Meetings");

            if (migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL")
                migrationBuilder.Sql("DROP FUNCTION IF EXISTS unixepoch(timestamp with time zone);");
        }
    }
}
