using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeviceRtspUrl : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RtspUrl",
                table: "Devices",
                maxLength: 500,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RtspUrl",
                table: "Devices");
        }
    }
}
