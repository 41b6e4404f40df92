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

            migrationBuilder.AddForeignKey(
                name: "FK_Meetings_Users_LecturerUserId",
                table: "Meetings",
                column: "LecturerUserId",
                principalTable: "Users",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Meetings_Users_LecturerUserId",
                table: "Meetings");

            migrationBuilder.DropIndex(
                name: "IX_Meetings_LecturerUserId",
                table: "Meetings");

            migrationBuilder.DropColumn(
                name: "LecturerUserId",
                table: "Meetings");
        }
    }
}
