using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecordingsCatalogue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Recordings",
                columns: table => new
                {
                    Id = table.Column<string>(maxLength: 64, nullable: false),
                    MeetingId = table.Column<int>(nullable: false),
                    SiteId = table.Column<int>(nullable: false),
                    Room = table.Column<string>(maxLength: 100, nullable: false),
                    NodeId = table.Column<string>(maxLength: 100, nullable: false),
                    StartedAtUtc = table.Column<DateTime>(nullable: false),
                    StoppedAtUtc = table.Column<DateTime>(nullable: true),
                    Recovered = table.Column<bool>(nullable: false),
                    CompositeState = table.Column<string>(maxLength: 16, nullable: false),
                    CompositeFile = table.Column<string>(maxLength: 100, nullable: true),
                    CompositeError = table.Column<string>(maxLength: 1000, nullable: true),
                    UpdatedAtUtc = table.Column<DateTime>(nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Recordings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Recordings_Meetings_MeetingId",
                        column: x => x.MeetingId,
                        principalTable: "Meetings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Recordings_Sites_SiteId",
                        column: x => x.SiteId,
                        principalTable: "Sites",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RecordingFiles",
                columns: table => new
                {
                    Id = table.Column<long>(nullable: false)
                        .Annotation("Sqlite:Autoincrement", true)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RecordingId = table.Column<string>(maxLength: 64, nullable: false),
                    Name = table.Column<string>(maxLength: 100, nullable: false),
                    ParticipantId = table.Column<string>(maxLength: 100, nullable: false),
                    Kind = table.Column<string>(maxLength: 8, nullable: false),
                    Codec = table.Column<string>(maxLength: 16, nullable: false),
                    StartMs = table.Column<long>(nullable: false),
                    DurationMs = table.Column<long>(nullable: false),
                    SizeBytes = table.Column<long>(nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecordingFiles", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RecordingFiles_Recordings_RecordingId",
                        column: x => x.RecordingId,
                        principalTable: "Recordings",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RecordingFiles_RecordingId_Name",
                table: "RecordingFiles",
                columns: new[] { "RecordingId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Recordings_MeetingId_StartedAtUtc",
                table: "Recordings",
                columns: new[] { "MeetingId", "StartedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_Recordings_SiteId_StartedAtUtc",
                table: "Recordings",
                columns: new[] { "SiteId", "StartedAtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RecordingFiles");

            migrationBuilder.DropTable(
                name: "Recordings");
        }
    }
}
