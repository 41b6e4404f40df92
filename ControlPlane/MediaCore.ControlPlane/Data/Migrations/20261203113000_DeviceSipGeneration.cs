using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MediaCore.ControlPlane.Data.Migrations
{
    /// <summary>
    /// A terminal's SIP credential generation (Device.SipGeneration): part of its derived SIP password, raised by a password
    /// reset so the old password is refused (docs/decisions.md, "SIP terminal revocation"). Existing terminals start at 0,
    /// whose password is the one they were configured with.
    /// </summary>
    [DbContext(typeof(ControlPlaneDb))]
    [Migration("20261203113000_DeviceSipGeneration")]
    public partial class DeviceSipGeneration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(name: "SipGeneration", table: "Devices", nullable: false, defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "SipGeneration", table: "Devices");
        }
    }
}
