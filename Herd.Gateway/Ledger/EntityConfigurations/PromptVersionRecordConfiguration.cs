using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>The <c>prompt_versions</c> table: one row per published version, keyed by prompt id and version.</summary>
public sealed class PromptVersionRecordConfiguration : IEntityTypeConfiguration<PromptVersionRecord>
{
    public void Configure(EntityTypeBuilder<PromptVersionRecord> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("prompt_versions");
        builder.HasKey(version => new { version.PromptId, version.Version });
        builder.Property(version => version.Sequence).UseIdentityAlwaysColumn();
        builder.HasIndex(version => version.Sequence).IsUnique();
        builder.Property(version => version.PromptId).HasMaxLength(PromptVersionRecord.MaxIdLength);
        builder.Property(version => version.Version).HasMaxLength(PromptVersionRecord.MaxVersionLength);
        builder.Property(version => version.Stage).HasMaxLength(PromptVersionRecord.MaxStageLength);
        builder.Property(version => version.Name).HasMaxLength(PromptVersionRecord.MaxNameLength);
        builder.Property(version => version.Description).HasMaxLength(PromptVersionRecord.MaxDescriptionLength);
        builder.Property(version => version.PublishedBy).HasMaxLength(ApiKeyRecord.IdLength);
        builder.Property(version => version.VariablesJson).HasColumnType("jsonb");
        builder.Property(version => version.SamplingJson).HasColumnType("jsonb");
        builder.Property(version => version.StepsJson).HasColumnType("jsonb");
    }
}
