function record(type: string, source: string, value: string, start: string, end = start, unit = "count"): string {
  return ` <Record type="HKQuantityTypeIdentifier${type}" sourceName="${source}" unit="${unit}" creationDate="${end}" startDate="${start}" endDate="${end}" value="${value}"/>\n`;
}

/** Two weeks of October 2024 in Los Angeles (-0700): known steps, resting heart rate, workouts and sleep. */
export function twoWeeks(): string {
  let body = "";
  for (let day = 7; day <= 20; day++) {
    const date = `2024-10-${String(day).padStart(2, "0")}`;
    const steps = day <= 13 ? "5000" : "7000";
    body += record("StepCount", "iPhone", steps, `${date} 09:00:00 -0700`, `${date} 09:50:00 -0700`);
    body += record("StepCount", "Apple Watch", steps, `${date} 09:02:00 -0700`, `${date} 09:52:00 -0700`);
    body += record("RestingHeartRate", "Apple Watch", day <= 13 ? "60" : "58", `${date} 00:00:00 -0700`, `${date} 23:59:00 -0700`, "count/min");
  }
  const workout = (type: string, date: string, minutes: number, extra = "") =>
    ` <Workout workoutActivityType="HKWorkoutActivityType${type}" duration="${minutes}" durationUnit="min"${extra} sourceName="Apple Watch" startDate="${date} 18:00:00 -0700" endDate="${date} 18:${String(minutes).padStart(2, "0")}:00 -0700">\n` +
    `  <WorkoutStatistics type="HKQuantityTypeIdentifierHeartRate" startDate="${date} 18:00:00 -0700" endDate="${date} 18:30:00 -0700" average="150" maximum="175" unit="count/min"/>\n` +
    ` </Workout>\n`;
  body += workout("Running", "2024-10-07", 30, ' totalDistance="5" totalDistanceUnit="km"');
  body += workout("Running", "2024-10-09", 40, ' totalDistance="6.5" totalDistanceUnit="km"');
  body += workout("Running", "2024-10-14", 35, ' totalDistance="6" totalDistanceUnit="km"');
  body += workout("Cycling", "2024-10-19", 55, ' totalDistance="20" totalDistanceUnit="km"');
  const sleep = (stage: string, start: string, end: string) =>
    ` <Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Apple Watch" startDate="${start}" endDate="${end}" value="HKCategoryValueSleepAnalysis${stage}"/>\n`;
  body += sleep("InBed", "2024-10-19 23:00:00 -0700", "2024-10-20 07:00:00 -0700");
  body += sleep("AsleepCore", "2024-10-19 23:15:00 -0700", "2024-10-20 06:45:00 -0700");
  body += sleep("InBed", "2024-10-20 22:30:00 -0700", "2024-10-21 06:30:00 -0700");
  body += sleep("AsleepDeep", "2024-10-20 22:45:00 -0700", "2024-10-21 06:15:00 -0700");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n${body}</HealthData>\n`;
}
