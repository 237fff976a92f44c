console.log("prepare placeholder")
