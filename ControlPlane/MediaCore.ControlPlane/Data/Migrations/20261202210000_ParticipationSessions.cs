using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <summary>
    /// Participations record their MediaServer session (id, publishing or not), so a leave closes its own
    /// session and only publishing sessions start and end a meeting.
    /// </summary>
    [DbContext(typeof(ControlPlaneDb))]
    [Migration("20261202210000_ParticipationSessions")]
    public partial class ParticipationSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(name: "SessionId", table: "MeetingParticipations", maxLength: 64, nullable: true);
            // Rows from before this migration came from joins that started the meeting under the old rule.
            migrationBuilder.AddColumn<bool>(name: "Publishing", table: "MeetingParticipations", nullable: false, defaultValue: true);
            migrationBuilder.CreateIndex(name: "IX_MeetingParticipations_MeetingId_SessionId", table: "MeetingParticipations",
                columns: ["MeetingId", "SessionId"]);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(name: "IX_MeetingParticipations_MeetingId_SessionId", table: "MeetingParticipations");
            migrationBuilder.DropColumn(name: "Publishing", table: "MeetingParticipations");
            migrationBuilder.DropColumn(name: "SessionId", table: "MeetingParticipations");
        }
    }
}
