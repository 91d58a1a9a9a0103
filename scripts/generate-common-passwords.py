"""Writes packing/core/data/common-passwords.txt: the passwords of at least ten characters
people pick most, which the sign-in rules refuse (packing/core/users.py).

Breach lists (SecLists' 10k-most-common, the top of which seeds ``WORDS`` below) are mostly
shorter than ten characters; what people type when told "ten or more" is a common word
stretched with digits, years or a "!" ("password123", "galatasaray1", "qwerty2024!"),
a keyboard walk or a run of digits. Run it again after changing the seeds; the file is
shipped, not generated at start-up."""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "packing" / "core" / "data" / "common-passwords.txt"
MIN_LENGTH = 10

# The most common passwords of the SecLists 10k list (in its order), then Turkish favourites.
WORDS = """
password 123456 12345678 qwerty 12345 dragon baseball football letmein monkey abc123
mustang michael shadow master jennifer 111111 jordan superman harley 1234567 hunter
trustno1 ranger buster thomas tigger robert soccer batman test pass killer hockey
george charlie andrew michelle love sunshine jessica pepper daniel access 123456789
654321 joshua maggie starwars silver william dallas yankees 123123 ashley 666666
hello amanda orange freedom computer thunder nicole ginger heather hammer summer
corvette taylor austin merlin matthew 121212 golfer cheese princess martin chelsea
patrick richard diamond yellow bigdog secret asdfgh sparky cowboy camaro anthony
matrix falcon iloveyou bailey guitar jackson purple scooter phoenix aaaaaa morgan
tigers porsche mickey maverick cookie nascar peanut justin 131313 money samantha
steelers joseph snoopy boomer whatever iceman smokey gateway dakota cowboys eagles
chicken black zxcvbn please andrea ferrari knight melissa compaq coffee booboo
johnny bulldog welcome james player wizard internet monster spider lakers miller
rabbit mercedes brandon steven fender yamaha diablo chris boston tiger marine
chicago rangers gandalf winter barney edward raiders badboy spanky chester london
midnight blue fishing 000000 hannah slayer rachel redsox asdf panther zxcvbnm
arsenal oliver qazwsx mother victoria jasper angel david winner crystal golden
viking shannon murphy angels prince cameron madison wilson carlos admin welcome
changeme default login administrator root user guest manager office company
qwertyuiop asdfghjkl 1q2w3e4r 1qaz2wsx qweasdzxc zaq12wsx abcdef abcd1234
sifre parola galatasaray fenerbahce besiktas trabzonspor istanbul ankara izmir
turkiye turkey bursa antalya askim seniseviyorum aslan kartal kanarya ataturk
mehmet ahmet mustafa fatma ayse emine hatice zeynep elif ali veli hasan huseyin
kerem murat emre burak can deniz depo magaza kargo paket packing station
"""

SUFFIXES = [
    "",
    "1",
    "12",
    "123",
    "1234",
    "12345",
    "123456",
    "!",
    "1!",
    "123!",
    "01",
    "007",
    "11",
    "22",
    "69",
    "99",
    "00",
    "321",
    "@123",
    "#1",
    "2020",
    "2021",
    "2022",
    "2023",
    "2024",
    "2025",
    "2026",
]
YEARS = [str(year) for year in range(1970, 2027)]


def candidates() -> set[str]:
    words = list(dict.fromkeys(WORDS.split()))
    found: set[str] = set()
    for word in words:
        for stem in {word, word.capitalize()}:
            for suffix in SUFFIXES + YEARS:
                found.add(stem + suffix)
        found.add(word + word)
    digits = "1234567890"
    for start in range(10):
        for length in range(MIN_LENGTH, 13):
            found.add("".join(digits[(start + i) % 10] for i in range(length)))
            found.add("".join(digits[(start - i) % 10] for i in range(length)))
    for digit in "0123456789":
        for length in range(MIN_LENGTH, 13):
            found.add(digit * length)
    for walk in ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1q2w3e4r5t", "1qaz2wsx3edc", "qazwsxedc", "q1w2e3r4t5"):
        found.add(walk)
        found.add(walk + "1")
        found.add(walk + "123")
    return {word.lower() for word in found if len(word) >= MIN_LENGTH}


def main() -> None:
    words = sorted(candidates())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords written to {OUT}")


if __name__ == "__main__":
    main()
