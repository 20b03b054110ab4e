using System.Text.Json.Serialization;

namespace MyBlog.Core;

/// <summary>
/// The JSON the core writes and reads itself (pagination cursors), generated at compile time: the API runs as a
/// Native AOT binary, where reflection-based serialization is off.
/// </summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<Imports.ImportFileResult>))]
internal sealed partial class CoreJson : JsonSerializerContext;
