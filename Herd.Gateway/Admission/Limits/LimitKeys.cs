using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Herd.Gateway.Access.Roles;
using StackExchange.Redis;

namespace Herd.Gateway.Admission.Limits;

/// <summary>
/// The names of the limit counters. The admission and status scripts append the window index to
/// <see cref="Counter(string, LimitRule)"/> themselves, since only they know the server's time, so
/// this layout and theirs must change together.
/// </summary>
internal sealed class LimitKeys(string prefix)
{
    /// <summary>
    /// The counters of one subject under one rule, without the window: <c>{prefix}limit:{hash}:requests:3600000</c>.
    /// </summary>
    /// <remarks>
    /// The subject is an opaque id from outside, so it is hashed: no ':', '*' or '{' in it can
    /// reach into another key's name. The hash sits in braces so that all of one subject's
    /// counters share a Redis Cluster slot, as a script that touches several of them requires.
    /// </remarks>
    public RedisKey Counter(string subject, LimitRule rule) =>
        $"{prefix}limit:{{{Hash(subject)}}}:{Kind(rule.Kind)}:{LimitRuleValidation.WindowMilliseconds(rule).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The counter of one window: <c>{prefix}limit:{hash}:requests:3600000:493827</c>.</summary>
    public RedisKey Counter(string subject, LimitRule rule, long windowIndex) =>
        Counter(subject, rule).Append(":" + windowIndex.ToString(CultureInfo.InvariantCulture));

    private static string Hash(string subject) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(subject)));

    private static string Kind(LimitKind kind) => kind == LimitKind.Requests ? "requests" : "tokens";
}
