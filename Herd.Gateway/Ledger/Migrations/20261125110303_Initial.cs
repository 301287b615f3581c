using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Herd.Gateway.Ledger.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    role = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    secret_salt = table.Column<byte[]>(type: "bytea", nullable: false),
                    secret_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    secret_peppered = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    history_opt_out = table.Column<bool>(type: "boolean", nullable: false),
                    budget = table.Column<decimal>(type: "numeric", nullable: true),
                    created_by = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "feedback",
                columns: table => new
                {
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    key_id = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    score = table.Column<int>(type: "integer", nullable: false),
                    comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback", x => x.request_id);
                    table.CheckConstraint("ck_feedback_score", "score BETWEEN 1 AND 5");
                });

            migrationBuilder.CreateTable(
                name: "usage_records",
                columns: table => new
                {
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    key_id = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    role = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: true),
                    model = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    node_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    prompt_tokens = table.Column<int>(type: "integer", nullable: false),
                    completion_tokens = table.Column<int>(type: "integer", nullable: false),
                    queue_wait = table.Column<TimeSpan>(type: "interval", nullable: true),
                    time_to_first_token = table.Column<TimeSpan>(type: "interval", nullable: true),
                    total_time = table.Column<TimeSpan>(type: "interval", nullable: false),
                    finish_reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    fee = table.Column<decimal>(type: "numeric", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_records", x => x.request_id);
                });

            migrationBuilder.CreateTable(
                name: "history_entries",
                columns: table => new
                {
                    request_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    prompt = table.Column<string>(type: "text", nullable: false),
                    completion = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_history_entries", x => x.request_id);
                    table.ForeignKey(
                        name: "fk_history_entries_usage_records_request_id",
                        column: x => x.request_id,
                        principalTable: "usage_records",
                        principalColumn: "request_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_records_key_id_received_at",
                table: "usage_records",
                columns: new[] { "key_id", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_records_model_received_at",
                table: "usage_records",
                columns: new[] { "model", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_records_node_id_received_at",
                table: "usage_records",
                columns: new[] { "node_id", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_usage_records_received_at",
                table: "usage_records",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "history_entries");

            migrationBuilder.DropTable(
                name: "usage_records");
        }
    }
}
