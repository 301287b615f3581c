using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>The <c>api_keys</c> table.</summary>
public sealed class ApiKeyRecordConfiguration : IEntityTypeConfiguration<ApiKeyRecord>
{
    public void Configure(EntityTypeBuilder<ApiKeyRecord> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("api_keys");
        builder.HasKey(key => key.Id);
        builder.Property(key => key.Id).HasMaxLength(ApiKeyRecord.IdLength);
        builder.Property(key => key.Name).HasMaxLength(ApiKeyRecord.MaxNameLength);
        builder.Property(key => key.Role).HasMaxLength(ApiKeyRecord.MaxRoleLength);
        builder.Property(key => key.CreatedBy).HasMaxLength(ApiKeyRecord.IdLength);
    }
}
