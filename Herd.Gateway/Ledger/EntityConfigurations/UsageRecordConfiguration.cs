using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>
/// The <c>usage_records</c> table. No constraint beyond the request id: the outbox must be able
/// to land every record it holds, and a refused one would block the records behind it. For the
/// same reason the key id is not a foreign key (keys are never deleted, only revoked).
/// </summary>
public sealed class UsageRecordConfiguration : IEntityTypeConfiguration<UsageRecord>
{
    public void Configure(EntityTypeBuilder<UsageRecord> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("usage_records");
        builder.HasKey(usage => usage.RequestId);
        builder.Property(usage => usage.RequestId).HasMaxLength(UsageRecord.MaxRequestIdLength);
        builder.Property(usage => usage.ClientRequestId).HasMaxLength(UsageRecord.MaxClientRequestIdLength);
        builder.Property(usage => usage.GatewayId).HasMaxLength(UsageRecord.MaxGatewayIdLength);
        builder.Property(usage => usage.Message).HasMaxLength(UsageRecord.MaxMessageLength);
        builder.Property(usage => usage.KeyId).HasMaxLength(ApiKeyRecord.IdLength);
        builder.Property(usage => usage.Role).HasMaxLength(ApiKeyRecord.MaxRoleLength);
        builder.Property(usage => usage.Model).HasMaxLength(UsageRecord.MaxModelLength);
        builder.Property(usage => usage.NodeId).HasMaxLength(UsageRecord.MaxNodeIdLength);
        builder.Property(usage => usage.FinishReason).HasMaxLength(UsageRecord.MaxFinishReasonLength);
        builder.Property(usage => usage.Status).HasMaxLength(UsageRecord.MaxStatusLength);
        builder.Property(usage => usage.Door).HasMaxLength(UsageRecord.MaxDoorLength);
        builder.Property(usage => usage.PromptId).HasMaxLength(PromptVersionRecord.MaxIdLength);
        builder.Property(usage => usage.PromptVersion).HasMaxLength(PromptVersionRecord.MaxVersionLength);
        builder.Property(usage => usage.ParentRequestId).HasMaxLength(UsageRecord.MaxRequestIdLength);

        // Usage is read as totals over a time range, by key, model, node or prompt, per day.
        builder.HasIndex(usage => usage.ReceivedAt);
        builder.HasIndex(usage => new { usage.KeyId, usage.ReceivedAt });
        builder.HasIndex(usage => new { usage.Model, usage.ReceivedAt });
        builder.HasIndex(usage => new { usage.NodeId, usage.ReceivedAt });
        builder.HasIndex(usage => new { usage.PromptId, usage.ReceivedAt });
    }
}
