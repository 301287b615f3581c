using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Herd.Gateway.Ledger.EntityConfigurations;

/// <summary>The <c>feedback</c> table; the database itself refuses a score outside 1 to 5.</summary>
public sealed class FeedbackConfiguration : IEntityTypeConfiguration<Feedback>
{
    public const string ScoreConstraint = "ck_feedback_score";

    public void Configure(EntityTypeBuilder<Feedback> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ToTable("feedback", table => table.HasCheckConstraint(
            ScoreConstraint, $"score BETWEEN {Feedback.MinScore} AND {Feedback.MaxScore}"));
        builder.HasKey(feedback => feedback.RequestId);
        builder.Property(feedback => feedback.RequestId).HasMaxLength(UsageRecord.MaxRequestIdLength);
        builder.Property(feedback => feedback.KeyId).HasMaxLength(ApiKeyRecord.IdLength);
        builder.Property(feedback => feedback.Comment).HasMaxLength(Feedback.MaxCommentLength);
    }
}
