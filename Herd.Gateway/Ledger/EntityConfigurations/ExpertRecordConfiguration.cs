using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>The <c>experts</c> table: one row per model and expert name.</summary>
public sealed class ExpertRecordConfiguration : IEntityTypeConfiguration<ExpertRecord>
{
    public void Configure(EntityTypeBuilder<ExpertRecord> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("experts");
        builder.HasKey(expert => new { expert.Model, expert.Name });
        builder.Property(expert => expert.Model).HasMaxLength(ExpertRecord.MaxModelLength);
        builder.Property(expert => expert.Name).HasMaxLength(ExpertRecord.MaxNameLength);
        builder.Property(expert => expert.Adapter).HasMaxLength(ExpertRecord.MaxAdapterLength);
        builder.Property(expert => expert.CentroidEmbedding).HasMaxLength(ExpertRecord.MaxEmbeddingLength);
        builder.Property(expert => expert.UpdatedBy).HasMaxLength(ApiKeyRecord.IdLength);
    }
}
