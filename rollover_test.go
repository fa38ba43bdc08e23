package schulhof

import (
	"testing"
	"time"
)

func TestPlanRollover(t *testing.T) {
	archived := time.Unix(1, 0)
	groups := []*Group{
		{ID: 1, Name: "5a", Kind: GroupClass}, {ID: 2, Name: "6a", Kind: GroupClass}, {ID: 3, Name: "10b", Kind: GroupClass},
		{ID: 4, Name: "Q2", Kind: GroupClass}, {ID: 5, Name: "13", Kind: GroupClass}, {ID: 6, Name: "M-LK1", Kind: GroupCourse},
		{ID: 7, Name: "Informatik", Kind: GroupCourse}, {ID: 8, Name: "Kollegium", Kind: GroupStaff},
		{ID: 9, Name: "Alt", Kind: GroupCourse, ArchivedAt: &archived},
	}
	p, err := PlanRollover(groups, "gymnasium", RolloverPromote, []GroupID{7}, "2027-07-20")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Promote) != 3 || p.Promote[0] != (ClassMove{1, "5a", "6a"}) || p.Promote[1] != (ClassMove{2, "6a", "7a"}) ||
		p.Promote[2] != (ClassMove{3, "10b", "11b"}) {
		t.Fatalf("promote %+v", p.Promote)
	}
	if len(p.Graduate) != 1 || p.Graduate[0].Name != "13" || len(p.Unchanged) != 1 || p.Unchanged[0].Name != "Q2" {
		t.Fatalf("graduate %+v unchanged %+v", p.Graduate, p.Unchanged)
	}
	if len(p.Archive) != 2 || len(p.KeepFiles) != 1 || p.KeepFiles[0].ID != 7 {
		t.Fatalf("archive %+v keep %+v", p.Archive, p.KeepFiles)
	}
	// a Grundschule's 4th year leaves
	p, err = PlanRollover([]*Group{{ID: 1, Name: "4a", Kind: GroupClass}, {ID: 2, Name: "3a", Kind: GroupClass}}, "grundschule", RolloverPromote, nil, "2027-07-20")
	if err != nil || len(p.Graduate) != 1 || p.Graduate[0].Name != "4a" || len(p.Promote) != 1 {
		t.Fatalf("grundschule %+v %v", p, err)
	}
	// another kind's group of the new name is no obstacle
	if _, err := PlanRollover([]*Group{{ID: 1, Name: "5a", Kind: GroupClass}, {ID: 2, Name: "6a", Kind: GroupCustom}}, "gymnasium", RolloverPromote, nil, "2027-07-20"); err != nil {
		t.Fatalf("5a beside the custom group 6a: %v", err)
	}
	if y := SchoolYear(time.Date(2027, 7, 20, 0, 0, 0, 0, time.UTC)); y != "2026/27" {
		t.Fatalf("school year of July 2027: %s", y)
	}
	if y := SchoolYear(time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)); y != "2027/28" {
		t.Fatalf("school year of September 2027: %s", y)
	}
	// classes by the next import: only courses archived
	p, err = PlanRollover(groups, "gymnasium", RolloverByImport, nil, "2027-07-20")
	if err != nil || len(p.Promote) != 0 || len(p.Graduate) != 0 || len(p.Archive) != 2 {
		t.Fatalf("by import %+v %v", p, err)
	}
	if _, err := PlanRollover(groups, "gymnasium", "weg", nil, "2027-07-20"); err == nil {
		t.Fatal("an unknown rule")
	}
}
