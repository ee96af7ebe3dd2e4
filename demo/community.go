package demo

import "github.com/nestegg/nestegg/social"

// The demo community: a neighbourhood around Elm Street, its café, an
// illustrator who draws it, and the people who talk about all of it.

type member struct {
	handle, name, bio, link string
	kind                    social.Kind
}

// opening is each member's opening balance in USD cents (SeedMoney): what
// they hold at the platform when the demo starts, so that they can pay,
// tip, buy and withdraw at once.
var opening = map[string]int64{
	"maya": 120_00, "priya": 85_50, "beanthere": 340_00, "theo": 60_00, "sam": 150_00,
	"lena": 200_00, "omar": 45_25, "june": 310_00, "rafa": 70_00, "ada": 95_00,
	"kenji": 130_00, "nora": 180_00, "felix": 110_00,
}

var cast = []member{
	{"maya", "Maya Okafor", "Urban gardener, bike commuter, amateur baker. Saving up for a cargo bike.", "", social.Member},
	{"priya", "Priya Raman", "Illustrator. A daily sketch of the neighbourhood, every day since 2021. Tips keep the pencils sharp ✏️ #sketchbook", "https://priya.example/sketchbook", social.Creator},
	{"beanthere", "Bean There Café", "Neighbourhood coffee on Elm Street since 2014. Oat milk is free on Mondays. Open 7–6, closed Tuesdays.", "https://beanthere.example", social.Business},
	{"theo", "Theo Lindqvist", "Maths teacher by day, synth noodler by night.", "", social.Member},
	{"sam", "Sam Delgado", "I run the Saturday #farmersmarket. Will talk about tomatoes for hours.", "", social.Member},
	{"lena", "Lena Fischer", "Software developer, climber, and Biscuit's human 🐕", "https://lena.example", social.Member},
	{"omar", "Omar Haddad", "Nurse on nights. Coffee is a food group.", "", social.Member},
	{"june", "June Park", "Student. Saving every penny for Japan next spring.", "", social.Member},
	{"rafa", "Rafael Costa", "Drummer, bike mechanic, fixer of squeaky things. Free tune-ups at the #toollibrary on Sundays.", "", social.Member},
	{"ada", "Ada Nwosu", "Community organiser. Ask me about the #toollibrary.", "", social.Member},
	{"kenji", "Kenji Watanabe", "Photographer. Mostly rooftops and rain.", "https://kenji.example", social.Member},
	{"nora", "Nora Quinn", "Retired librarian. #bookclub Thursdays at @beanthere.", "", social.Member},
	{"felix", "Felix Moreau", "Chef at Little Fig. Sourdough evangelist.", "", social.Member},
}

type follow struct {
	who  string
	whom []string
}

var follows = []follow{
	{"maya", []string{"priya", "beanthere", "sam", "rafa", "ada", "felix", "lena"}},
	{"priya", []string{"beanthere", "kenji", "maya", "nora", "june"}},
	{"beanthere", []string{"priya", "sam", "felix", "nora"}},
	{"theo", []string{"lena", "beanthere", "june", "priya", "rafa"}},
	{"sam", []string{"beanthere", "felix", "maya", "ada"}},
	{"lena", []string{"theo", "maya", "kenji", "beanthere", "priya"}},
	{"omar", []string{"beanthere", "priya", "kenji", "june"}},
	{"june", []string{"priya", "kenji", "theo", "beanthere", "omar"}},
	{"rafa", []string{"ada", "maya", "beanthere", "sam"}},
	{"ada", []string{"rafa", "maya", "sam", "nora", "beanthere", "priya"}},
	{"kenji", []string{"priya", "lena", "june", "beanthere"}},
	{"nora", []string{"beanthere", "priya", "ada", "felix"}},
	{"felix", []string{"sam", "beanthere", "maya"}},
}

// scripted is one post of the demo, hoursAgo before the seeding's now
// (the script runs oldest first, so replies come after what they answer).
type scripted struct {
	key, author, body string
	replyTo           string
	hoursAgo          float64
	likes, reposts    []string
}

var script = []scripted{
	{"hello", "ada", "Welcome to the neighbourhood's own corner of the internet! Introduce yourself below 👋 #nestegg", "", 78, []string{"maya", "rafa", "nora", "sam"}, []string{"maya"}},
	{"hello-maya", "maya", "Hi all! Maya, two doors down from the community garden. Come say hi if you see me wrestling the compost.", "hello", 77.5, []string{"ada"}, nil},
	{"hello-nora", "nora", "Nora here. Librarian, retired but not reformed. Book club is every Thursday at @beanthere, everyone welcome.", "hello", 77, []string{"ada", "beanthere"}, nil},
	{"open", "beanthere", "Morning, Elm Street ☕ New seasonal blend today: Ethiopian Guji, blueberry and jasmine notes. #coffee", "", 74, []string{"omar", "theo", "lena", "nora"}, nil},
	{"sketch1", "priya", "Today's sketch: the corner of Elm and 5th, with the bakery's striped awning. Ink and a little watercolour. #sketchbook", "", 72, []string{"maya", "kenji", "june", "nora", "omar"}, []string{"kenji"}},
	{"market", "sam", "Saturday #farmersmarket is ON rain or shine. First heirloom tomatoes of the season, and @felix is doing a sourdough demo at 11.", "", 70, []string{"maya", "felix", "ada"}, []string{"ada", "maya"}},
	{"felix-re", "felix", "Bringing two starters. One of them is older than my sous-chef. #sourdough", "market", 69.5, []string{"sam", "maya"}, nil},
	{"lena-dog", "lena", "Biscuit has learned to open the treat drawer. I have learned nothing.", "", 66, []string{"theo", "kenji", "maya"}, nil},
	{"theo-synth", "theo", "Finished grading at 1am, so naturally I built a drum machine out of a spreadsheet. Don't tell my students.", "", 63, []string{"lena", "june"}, nil},
	{"theo-re", "lena", "@theo please tell your students. They will respect you more.", "theo-synth", 62.5, []string{"theo", "june"}, nil},
	{"tools", "ada", "The #toollibrary now has a pressure washer, two ladders and a tile cutter. Borrow them free with a library card. Thanks @rafa for fixing the drill!", "", 60, []string{"rafa", "maya", "nora"}, []string{"rafa"}},
	{"rafa-re", "rafa", "It just needed a new brush. Bring me your sad tools on Sunday.", "tools", 59.5, []string{"ada"}, nil},
	{"omar-night", "omar", "Twelve-hour night shift done. @beanthere, your 7am opening is a public health service. #coffee", "", 55, []string{"beanthere", "june"}, nil},
	{"bean-re", "beanthere", "@omar the first cortado tomorrow is on us. Thank you for what you do 💛", "omar-night", 54.8, []string{"omar", "nora", "maya", "june"}, nil},
	{"kenji-rain", "kenji", "Rain on the water towers this evening. Sometimes the city just poses for you. https://kenji.example/rooftops", "", 50, []string{"priya", "lena", "june"}, []string{"priya"}},
	{"june-japan", "june", "Japan fund update: 61% there! Skipped takeaway for a month and honestly my cooking got better.", "", 47, []string{"priya", "kenji", "omar", "theo"}, nil},
	{"june-re", "priya", "@june that's amazing. Sketch me a vending machine when you get there!", "june-japan", 46.5, []string{"june"}, nil},
	{"maya-bike", "maya", "Test-rode a cargo bike today. Fit two bags of compost AND a toddler (borrowed, returned). I need this in my life. #bikes", "", 44, []string{"rafa", "lena", "ada"}, nil},
	{"rafa-bike", "rafa", "@maya if you get a second-hand one I'll check it over for free. Brakes first, romance second. #bikes", "maya-bike", 43.5, []string{"maya"}, nil},
	{"book", "nora", "This week's #bookclub pick: \"The Remains of the Day\". Bring a friend, bring an opinion. Thursday 6pm at @beanthere.", "", 40, []string{"beanthere", "ada", "felix"}, []string{"beanthere"}},
	{"sketch2", "priya", "Sketched the queue outside @beanthere this morning. Everyone in scarves, everyone holding their cup with both hands. #sketchbook #coffee", "", 36, []string{"beanthere", "omar", "maya", "nora", "kenji", "june"}, []string{"beanthere"}},
	{"bean-sketch", "beanthere", "@priya we'd love to frame this for the wall, if you'll let us buy a print!", "sketch2", 35.5, []string{"priya"}, nil},
	{"priya-re", "priya", "@beanthere deal! I'll bring it by on Friday.", "bean-sketch", 35, []string{"beanthere", "nora"}, nil},
	{"felix-bread", "felix", "Little Fig's Friday loaf: rye, caraway, a bit of honey. 40 made, 40 sold by noon. Thank you Elm Street. #sourdough", "", 31, []string{"sam", "maya", "beanthere"}, nil},
	{"lena-climb", "lena", "Finally sent the blue route at the climbing gym after three weeks. My forearms have filed a complaint.", "", 28, []string{"theo", "kenji"}, nil},
	{"sam-tomato", "sam", "PSA: do not refrigerate your tomatoes. I will not be taking questions. #farmersmarket", "", 26, []string{"felix", "maya", "ada", "nora"}, []string{"felix"}},
	{"theo-tomato", "theo", "@sam what if I have one question", "sam-tomato", 25.8, []string{"sam", "lena"}, nil},
	{"sam-re", "sam", "@theo the answer is still no", "theo-tomato", 25.6, []string{"theo", "lena", "maya", "felix"}, nil},
	{"ada-cleanup", "ada", "Park clean-up Sunday 10am by the fountain. Gloves and bags provided, coffee from @beanthere for volunteers. #nestegg", "", 22, []string{"maya", "rafa", "nora", "beanthere", "sam"}, []string{"maya", "beanthere"}},
	{"bean-cleanup", "beanthere", "Two big flasks of the Guji coming your way, volunteers ☕", "ada-cleanup", 21.5, []string{"ada"}, nil},
	{"omar-sleep", "omar", "Slept 9 hours. Who am I. What year is it.", "", 18, []string{"june", "theo"}, nil},
	{"kenji-show", "kenji", "Small photo show at Little Fig next month: 12 prints of rooftops in the rain. Thanks @felix for the wall space!", "", 15, []string{"felix", "priya", "lena", "june"}, nil},
	{"june-study", "june", "Library study session with a flask of @beanthere coffee. Exams in 9 days. Send good vibes.", "", 12, []string{"omar", "priya", "nora"}, nil},
	{"nora-study", "nora", "@june good vibes, and a tip from an old librarian: the quiet room on the 3rd floor has the good chairs.", "june-study", 11.5, []string{"june"}, nil},
	{"maya-garden", "maya", "Garden update: the beans are taller than me and the squash is attempting a hostile takeover of the path. #nestegg", "", 9, []string{"sam", "ada", "felix"}, nil},
	{"sketch3", "priya", "Today's sketch: Maya's community garden squash, mid-invasion. #sketchbook", "", 6, []string{"maya", "kenji", "ada", "nora", "beanthere"}, []string{"maya"}},
	{"maya-re", "maya", "@priya it's PERFECT. The squash has never looked so menacing.", "sketch3", 5.5, []string{"priya"}, nil},
	{"theo-quiz", "theo", "Pub quiz team name suggestions please. We were \"Quizteama Aguilera\" last time and we are not allowed to use it again.", "", 4, []string{"lena", "june", "rafa"}, nil},
	{"lena-quiz", "lena", "@theo \"Les Quizerables\". You're welcome.", "theo-quiz", 3.7, []string{"theo", "june"}, nil},
	{"bean-today", "beanthere", "Fresh cardamom buns just came out of the oven. Ten left. You know what to do. #coffee", "", 2, []string{"omar", "nora", "maya", "priya"}, nil},
	{"rafa-fixed", "rafa", "Fixed 14 bikes at the #toollibrary today. Best one: a 1978 Peugeot that had been in a shed since the 90s. She rides again.", "", 1, []string{"ada", "maya", "kenji"}, []string{"ada"}},
	{"ada-thanks", "ada", "Thank you all for making this neighbourhood feel like a neighbourhood 💛 #nestegg", "", 0.3, []string{"maya", "nora", "rafa"}, nil},
}
