using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Herd.Gateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class UsageDoor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "door",
                table: "usage_records",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "door",
                table: "usage_records");
        }
    }
}
