using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Herd.Gateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class UsageAdapters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "adapters",
                table: "usage_records",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "adapters",
                table: "usage_records");
        }
    }
}
