using Herd.Gateway.Access.Keys;

namespace Herd.Tests.Gateway.Access.Keys;

public sealed class ApiKeySecretTests
{
    [Fact]
    public void Generate_RevealsAKeyThatParsesBackToTheSameIdAndSecret()
    {
        var key = ApiKeySecret.Generate();

        var text = key.Reveal();
        var parsed = ApiKeySecret.TryParse(text, out var read, out var problem);

        Assert.True(parsed, problem);
        Assert.Equal(key.KeyId, read!.KeyId);
        Assert.Equal(key.Secret.ToArray(), read.Secret.ToArray());
        Assert.Equal(61, text.Length);
        Assert.Matches("^herd_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$", text);
    }

    [Fact]
    public void Generate_GivesEveryKeyItsOwnIdAndSecret()
    {
        var keys = Enumerable.Range(0, 100).Select(_ => ApiKeySecret.Generate()).ToList();

        Assert.Equal(100, keys.Select(key => key.KeyId).Distinct().Count());
        Assert.Equal(100, keys.Select(key => Convert.ToHexString(key.Secret)).Distinct().Count());
    }

    [Fact]
    public void ToString_LeavesTheSecretOut()
    {
        var key = ApiKeySecret.Generate();
        var secretText = key.Reveal()[(ApiKeySecret.Prefix.Length + ApiKeySecret.KeyIdLength + 1)..];

        Assert.DoesNotContain(secretText, key.ToString(), StringComparison.Ordinal);
        Assert.Contains(key.KeyId, key.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string?, string> Malformed()
    {
        var good = ApiKeySecret.Generate().Reveal();
        var secretStart = ApiKeySecret.Prefix.Length + ApiKeySecret.KeyIdLength + 1;
        return new TheoryData<string?, string>
        {
            { null, "No API key was presented" },
            { "", "No API key was presented" },
            { new string('a', 1_000_000), "61 characters long" },
            { good + "\n", "61 characters long" },
            { " " + good[1..], "starts with herd_" },
            { "HERD_" + good[5..], "starts with herd_" },
            { string.Concat("herd_", good.AsSpan(5, 11).ToString().ToUpperInvariant(), "X", good.AsSpan(17)), "may hold only a-z and 0-9" },
            { string.Concat("herd_ÿé名字abcdefgh", good.AsSpan(17)), "may hold only a-z and 0-9" },
            { string.Concat("herd_' OR 1=1--", good.AsSpan(15)), "may hold only a-z and 0-9" },
            { string.Concat(good.AsSpan(0, 17), "-", good.AsSpan(18)), "must be followed by _" },
            { string.Concat(good.AsSpan(0, secretStart), "'); DROP TABLE api_keys; --", new string('a', 16)), "base64url" },
            { string.Concat(good.AsSpan(0, secretStart), new string('é', 43)), "base64url" },
            { string.Concat(good.AsSpan(0, secretStart), new string('A', 42), "="), "base64url" },
            { string.Concat(good.AsSpan(0, secretStart), new string('A', 21), " ", new string('A', 21)), "base64url" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void TryParse_Malformed_SaysWhatIsWrong_WithoutRepeatingTheText(string? presented, string expected)
    {
        var parsed = ApiKeySecret.TryParse(presented, out var key, out var problem);

        Assert.False(parsed);
        Assert.Null(key);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.True(problem.Length < 200, problem);
    }

    [Fact]
    public void TryParse_SecretSpelledWithSpareBitsSet_IsRefused_SoOneSecretHasOneText()
    {
        const string base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var good = ApiKeySecret.Generate().Reveal();
        // The last of 43 characters carries 2 spare bits, zero when canonical; setting one would
        // spell the same bytes another way for a lax decoder.
        var twin = good[..^1] + base64Url[base64Url.IndexOf(good[^1], StringComparison.Ordinal) | 1];

        Assert.True(ApiKeySecret.TryParse(good, out _, out _));
        Assert.False(ApiKeySecret.TryParse(twin, out _, out var problem));
        Assert.Contains("base64url", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abcdefghij01", true)]
    [InlineData("abcdefghij0", false)]
    [InlineData("abcdefghij012", false)]
    [InlineData("ABCDEFGHIJ01", false)]
    [InlineData("abcdefghij_1", false)]
    [InlineData(null, false)]
    public void IsKeyId_AcceptsTwelveLowercaseLettersAndDigitsOnly(string? text, bool expected)
    {
        Assert.Equal(expected, ApiKeySecret.IsKeyId(text));
    }
}
