using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class MeetingLecturer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "LecturerUserId",
                table: "Meetings",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Meetings_LecturerUserId",
                table: "Meetings",
                column: "LecturerUserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Meetings_LecturerUserId",
                table: "Meetings");

            migrationBuilder.DropColumn(
                name: "LecturerUserId",
                table: "Meetings");
        }
    }
}
