using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Herd.Gateway.Ledger;

namespace Herd.Gateway.Access.Keys;

/// <summary>
/// An API key as its holder presents it: <c>herd_&lt;key id&gt;_&lt;secret&gt;</c>. The key id is
/// <see cref="KeyIdLength"/> characters of <see cref="KeyIdAlphabet"/> and names the stored key;
/// the secret is <see cref="SecretByteCount"/> random bytes in unpadded base64url and proves it.
/// </summary>
public sealed class ApiKeySecret
{
    public const string Prefix = "herd_";
    public const int KeyIdLength = ApiKeyRecord.IdLength;
    public const int SecretByteCount = 32;

    /// <summary>Lowercase letters and digits: URL-safe, one case, and free of the <c>_</c> between the parts.</summary>
    public const string KeyIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>Every presented key has exactly this many characters (61).</summary>
    public static readonly int Length = Prefix.Length + KeyIdLength + 1 + Base64Url.GetEncodedLength(SecretByteCount);

    private const char Separator = '_';
    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string NothingPresented = "No API key was presented; send herd_<key id>_<secret> as the bearer token.";
    private static readonly int SecretStart = Prefix.Length + KeyIdLength + 1;
    private static readonly SearchValues<char> KeyIdCharacters = SearchValues.Create(KeyIdAlphabet);
    private static readonly SearchValues<char> SecretCharacters = SearchValues.Create(Base64UrlAlphabet);

    private readonly byte[] _secret;

    private ApiKeySecret(string keyId, byte[] secret)
    {
        KeyId = keyId;
        _secret = secret;
    }

    public string KeyId { get; }

    public ReadOnlySpan<byte> Secret => _secret;

    /// <summary>A new key id and secret from the system's cryptographic random number generator.</summary>
    public static ApiKeySecret Generate() =>
        new(RandomNumberGenerator.GetString(KeyIdAlphabet, KeyIdLength), RandomNumberGenerator.GetBytes(SecretByteCount));

    /// <summary>The key as its holder must present it. Show it once; never log or store it.</summary>
    public string Reveal() => string.Concat(Prefix, KeyId, Separator.ToString(), Base64Url.EncodeToString(_secret));

    /// <summary>The key with its secret left out, so that a stray log line cannot leak it.</summary>
    public override string ToString() => $"{Prefix}{KeyId}_<secret>";

    public static bool IsKeyId([NotNullWhen(true)] string? text) =>
        text is { Length: KeyIdLength } && !text.AsSpan().ContainsAnyExcept(KeyIdCharacters);

    /// <summary>
    /// Reads a presented key. Any text is safe to pass: the length is checked before anything
    /// else, nothing throws, and <paramref name="problem"/> says what is wrong without repeating
    /// the text (which may be someone's secret).
    /// </summary>
    public static bool TryParse(string? presented, [NotNullWhen(true)] out ApiKeySecret? key, out string problem)
    {
        key = null;
        if (presented is null)
        {
            problem = NothingPresented;
            return false;
        }

        problem = Problem(presented);
        if (problem.Length > 0)
        {
            return false;
        }

        var secret = new byte[SecretByteCount];
        Base64Url.DecodeFromChars(presented.AsSpan(SecretStart), secret);
        key = new ApiKeySecret(presented.Substring(Prefix.Length, KeyIdLength), secret);
        return true;
    }

    /// <summary>What is wrong with the presented text; empty when nothing is.</summary>
    private static string Problem(string presented)
    {
        if (presented.Length == 0)
        {
            return NothingPresented;
        }

        if (presented.Length != Length)
        {
            return $"An API key is {Length} characters long, herd_<key id>_<secret>; the key presented is {presented.Length} characters.";
        }

        if (!presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return $"An API key starts with {Prefix}; the key presented does not.";
        }

        if (presented.AsSpan(Prefix.Length, KeyIdLength).ContainsAnyExcept(KeyIdCharacters))
        {
            return $"The key id (the {KeyIdLength} characters after {Prefix}) may hold only a-z and 0-9.";
        }

        if (presented[SecretStart - 1] != Separator)
        {
            return $"The key id must be followed by {Separator} and the secret.";
        }

        // The decoder throws on what it cannot read, and hostile text must not make anything
        // throw. The last character holds spare bits that must be zero, so that one secret has
        // one spelling.
        var secretText = presented.AsSpan(SecretStart);
        return secretText.ContainsAnyExcept(SecretCharacters) || Base64UrlAlphabet.IndexOf(secretText[^1], StringComparison.Ordinal) % 4 != 0
            ? $"The secret (after the key id) must be {SecretByteCount} bytes in unpadded base64url, as the key was given out."
            : "";
    }
}
