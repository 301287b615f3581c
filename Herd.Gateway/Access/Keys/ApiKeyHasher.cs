using System.Security.Cryptography;
using System.Text;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// Hashes key secrets for storage and checks presented ones. A secret is hashed with 16 random
/// bytes of salt of its own: SHA-256(salt || secret), or HMAC-SHA256(pepper, salt || secret)
/// when a pepper is configured. The secret is 256 random bits, so a fast hash is enough: there
/// is nothing to guess that a slow hash would protect.
/// </summary>
public sealed class ApiKeyHasher
{
    public const int SaltLength = 16;

    private readonly byte[]? _pepper;

    /// <param name="pepper"><see cref="ApiKeyOptions.KeyPepper"/>; null or empty for none.</param>
    public ApiKeyHasher(string? pepper)
    {
        _pepper = string.IsNullOrEmpty(pepper) ? null : Encoding.UTF8.GetBytes(pepper);
    }

    public bool HasPepper => _pepper is not null;

    /// <summary>A fresh salt and the hash to store for <paramref name="secret"/>.</summary>
    public (byte[] Salt, byte[] Hash, bool Peppered) Protect(ApiKeySecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        return (salt, Hash(salt, secret.Secret, _pepper), HasPepper);
    }

    /// <summary>
    /// Whether <paramref name="secret"/> is the secret of <paramref name="key"/>, compared in
    /// constant time. False for a peppered key while no pepper is configured.
    /// </summary>
    public bool Matches(ApiKeyRecord key, ApiKeySecret secret)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(secret);
        if (!CanVerify(key))
        {
            return false;
        }

        var hash = Hash(key.SecretSalt, secret.Secret, key.SecretPeppered ? _pepper : null);
        return CryptographicOperations.FixedTimeEquals(hash, key.SecretHash);
    }

    /// <summary>Whether <see cref="Matches"/> can ever accept <paramref name="key"/> with this hasher's pepper.</summary>
    public bool CanVerify(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return !key.SecretPeppered || _pepper is not null;
    }

    /// <summary>The work of a real check, for a key id that does not exist, so that timing does not tell.</summary>
    public void SimulateMatch(ApiKeySecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var hash = Hash(new byte[SaltLength], secret.Secret, _pepper);
        CryptographicOperations.FixedTimeEquals(hash, hash);
    }

    private static byte[] Hash(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> secret, byte[]? pepper)
    {
        var salted = new byte[salt.Length + secret.Length];
        salt.CopyTo(salted);
        secret.CopyTo(salted.AsSpan(salt.Length));
        try
        {
            return pepper is null ? SHA256.HashData(salted) : HMACSHA256.HashData(pepper, salted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
        }
    }
}
