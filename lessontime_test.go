package schulhof

import (
	"reflect"
	"testing"
)

func TestParseLessonTimes(t *testing.T) {
	got, err := ParseLessonTimes("Stunde;Beginn;Ende\r\n1;7:55;08:40\r\n2;08:45;09:30\r\n\r\nFr;2;08:40;09:20\n")
	want := []LessonTime{{0, 1, "07:55", "08:40"}, {0, 2, "08:45", "09:30"}, {5, 2, "08:40", "09:20"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%v %v", got, err)
	}
	if lt, _ := LessonTimeOf(got, 5, 2); lt.Start != "08:40" {
		t.Errorf("Friday's own time: %+v", lt)
	}
	if lt, _ := LessonTimeOf(got, 1, 2); lt.Start != "08:45" {
		t.Errorf("Monday's: %+v", lt)
	}
	if _, ok := LessonTimeOf(got, 1, 9); ok {
		t.Error("a period that is not there")
	}
	back, err := ParseLessonTimes(FormatLessonTimes(got))
	if err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("round trip: %v %v", back, err)
	}
	for _, bad := range []string{"", "1;08:00", "1;09:00;08:00", "1;08:00;08:45\n1;08:50;09:35", "Xy;1;08:00;08:45", "0;08:00;08:45", "1;8 Uhr;9 Uhr",
		"1;08:00;08:45\nStunde;Beginn;Ende"} {
		if _, err := ParseLessonTimes(bad); !Match(err, EInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestParseSchoolHolidays(t *testing.T) {
	got, err := ParseSchoolHolidays("Herbstferien;12.10.2026;24.10.2026\r\n\r\nBrückentag;2027-05-07\n")
	want := []SchoolHoliday{{"Herbstferien", "2026-10-12", "2026-10-24"}, {"Brückentag", "2027-05-07", "2027-05-07"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"Ferien", ";01.01.2027;02.01.2027", "Ferien;02.01.2027;01.01.2027", "Ferien;morgen;übermorgen"} {
		if _, err := ParseSchoolHolidays(bad); !Match(err, EInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
