using Herd.Gateway.Access.Keys;
using Herd.Gateway.Ledger;

namespace Herd.Tests.Gateway.Access.Keys;

public sealed class ApiKeyHasherTests
{
    private const string Pepper = "a-pepper-of-at-least-thirty-two-characters";

    [Fact]
    public void Protect_SameSecretTwice_GivesNewSaltAndHashEachTime()
    {
        var hasher = new ApiKeyHasher(pepper: null);
        var secret = ApiKeySecret.Generate();

        var (firstSalt, firstHash, _) = hasher.Protect(secret);
        var (secondSalt, secondHash, _) = hasher.Protect(secret);

        Assert.Equal(ApiKeyHasher.SaltLength, firstSalt.Length);
        Assert.NotEqual(firstSalt, secondSalt);
        Assert.NotEqual(firstHash, secondHash);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(Pepper)]
    public void Matches_TheKeysOwnSecretOnly(string? pepper)
    {
        var hasher = new ApiKeyHasher(pepper);
        var secret = ApiKeySecret.Generate();
        var key = Record(hasher, secret);

        Assert.True(hasher.Matches(key, secret));
        Assert.False(hasher.Matches(key, ApiKeySecret.Generate()));
        Assert.Equal(pepper is not null, key.SecretPeppered);
    }

    [Fact]
    public void Matches_PepperedKey_NeedsTheSamePepper()
    {
        var secret = ApiKeySecret.Generate();
        var key = Record(new ApiKeyHasher(Pepper), secret);

        Assert.False(new ApiKeyHasher(pepper: null).Matches(key, secret));
        Assert.False(new ApiKeyHasher(pepper: null).CanVerify(key));
        Assert.False(new ApiKeyHasher(Pepper + "-changed").Matches(key, secret));
    }

    [Fact]
    public void Matches_KeyFromBeforeThePepper_StillVerifiesOnceOneIsSet()
    {
        var secret = ApiKeySecret.Generate();
        var key = Record(new ApiKeyHasher(pepper: null), secret);

        Assert.True(new ApiKeyHasher(Pepper).Matches(key, secret));
    }

    [Fact]
    public void Protect_WithPepper_DiffersFromTheSameSaltUnpeppered()
    {
        var secret = ApiKeySecret.Generate();
        var peppered = Record(new ApiKeyHasher(Pepper), secret);
        var samesalt = new ApiKeyRecord
        {
            Id = peppered.Id,
            Name = "n",
            Role = "r",
            SecretSalt = peppered.SecretSalt,
            SecretHash = peppered.SecretHash,
            SecretPeppered = false,
        };

        // The peppered hash is no SHA-256 of salt and secret: without the pepper it proves nothing.
        Assert.False(new ApiKeyHasher(Pepper).Matches(samesalt, secret));
    }

    private static ApiKeyRecord Record(ApiKeyHasher hasher, ApiKeySecret secret)
    {
        var (salt, hash, peppered) = hasher.Protect(secret);
        return new ApiKeyRecord
        {
            Id = secret.KeyId,
            Name = "test",
            Role = "analyst",
            SecretSalt = salt,
            SecretHash = hash,
            SecretPeppered = peppered,
        };
    }
}
