using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>The <c>history_entries</c> table: a request's text, which goes when its usage record goes.</summary>
public sealed class HistoryEntryConfiguration : IEntityTypeConfiguration<HistoryEntry>
{
    public void Configure(EntityTypeBuilder<HistoryEntry> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("history_entries");
        builder.HasKey(entry => entry.RequestId);
        builder.Property(entry => entry.RequestId).HasMaxLength(UsageRecord.MaxRequestIdLength);
        builder.HasOne<UsageRecord>().WithOne().HasForeignKey<HistoryEntry>(entry => entry.RequestId).OnDelete(DeleteBehavior.Cascade);
    }
}
