using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class PlaybackSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Courseware",
                columns: table => new
                {
                    Id = table.Column<int>(nullable: false)
                        .Annotation("Sqlite:Autoincrement", true)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Title = table.Column<string>(maxLength: 200, nullable: false),
                    SiteId = table.Column<int>(nullable: false),
                    OriginalName = table.Column<string>(maxLength: 200, nullable: false),
                    UploadBytes = table.Column<long>(nullable: false),
                    State = table.Column<string>(maxLength: 32, nullable: false),
                    Progress = table.Column<double>(nullable: false),
                    Error = table.Column<string>(maxLength: 1000, nullable: true),
                    DurationMs = table.Column<long>(nullable: false),
                    SizeBytes = table.Column<long>(nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(nullable: false),
                    CreatedByUserId = table.Column<int>(nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Courseware", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Courseware_Sites_SiteId",
                        column: x => x.SiteId,
                        principalTable: "Sites",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "PlaybackSchedules",
                columns: table => new
                {
                    Id = table.Column<int>(nullable: false)
                        .Annotation("Sqlite:Autoincrement", true)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Title = table.Column<string>(maxLength: 200, nullable: false),
                    SiteId = table.Column<int>(nullable: false),
                    CoursewareId = table.Column<int>(nullable: true),
                    RecordingId = table.Column<string>(maxLength: 64, nullable: true),
                    TargetSiteIds = table.Column<string>(maxLength: 8000, nullable: false),
                    TargetTownId = table.Column<int>(nullable: true),
                    StartAtUtc = table.Column<DateTime>(nullable: true),
                    Cron = table.Column<string>(maxLength: 100, nullable: true),
                    Loops = table.Column<int>(nullable: false),
                    Enabled = table.Column<bool>(nullable: false),
                    NextRunUtc = table.Column<DateTime>(nullable: true),
                    LastRunUtc = table.Column<DateTime>(nullable: true),
                    LastResult = table.Column<string>(maxLength: 2000, nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PlaybackSchedules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PlaybackSchedules_Courseware_CoursewareId",
                        column: x => x.CoursewareId,
                        principalTable: "Courseware",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_PlaybackSchedules_Sites_SiteId",
                        column: x => x.SiteId,
                        principalTable: "Sites",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Courseware_SiteId_CreatedAtUtc",
                table: "Courseware",
                columns: new[] { "SiteId", "CreatedAtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_PlaybackSchedules_CoursewareId",
                table: "PlaybackSchedules",
                column: "CoursewareId");

            migrationBuilder.CreateIndex(
                name: "IX_PlaybackSchedules_Enabled_NextRunUtc",
                table: "PlaybackSchedules",
                columns: new[] { "Enabled", "NextRunUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_PlaybackSchedules_SiteId",
                table: "PlaybackSchedules",
                column: "SiteId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PlaybackSchedules");

            migrationBuilder.DropTable(
                name: "Courseware");
        }
    }
}
