using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Herd.Gateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class PromptRepository : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "parent_request_id",
                table: "usage_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "prompt_id",
                table: "usage_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "prompt_version",
                table: "usage_records",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "prompt_versions",
                columns: table => new
                {
                    prompt_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    sequence = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    stage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    target_models = table.Column<List<string>>(type: "text[]", nullable: false),
                    variables_json = table.Column<string>(type: "jsonb", nullable: false),
                    template = table.Column<string>(type: "text", nullable: false),
                    sampling_json = table.Column<string>(type: "jsonb", nullable: false),
                    steps_json = table.Column<string>(type: "jsonb", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_by = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    retired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_prompt_versions", x => new { x.prompt_id, x.version });
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_records_prompt_id_received_at",
                table: "usage_records",
                columns: new[] { "prompt_id", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_prompt_versions_sequence",
                table: "prompt_versions",
                column: "sequence",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "prompt_versions");

            migrationBuilder.DropIndex(
                name: "ix_usage_records_prompt_id_received_at",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "parent_request_id",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "prompt_id",
                table: "usage_records");

            migrationBuilder.DropColumn(
                name: "prompt_version",
                table: "usage_records");
        }
    }
}
