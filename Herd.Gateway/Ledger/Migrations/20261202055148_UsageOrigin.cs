using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Herd.Gateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class UsageOrigin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "client_request_id",
                table: "usage_records",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "gateway_id",
                table: "usage_records",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "message",
                table: "usage_records",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "client_request_id",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "gateway_id",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "message",
                table: "usage_records");
        }
    }
}
