using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace MyBlog.Core;

/// <summary>
/// A <see cref="TimeSpan"/> setting between two bounds written as "[d.]hh:mm:ss[.fff]". It does what
/// <c>[Range(typeof(TimeSpan), …)]</c> does without that constructor's type converters, which trimming (the Native
/// AOT API) cannot follow.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class TimeRangeAttribute(string minimum, string maximum) : ValidationAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan time || (time >= Minimum && time <= Maximum);

    public override string FormatErrorMessage(string name) =>
        string.Create(CultureInfo.InvariantCulture, $"The field {name} must be between {Minimum:c} and {Maximum:c}.");
}
