module tunnel

go 1.22
